// The search page: plain HTML, CSS and JavaScript in one response, no build
// step and nothing fetched from elsewhere. What it does (and the browser
// test, tests/web/page_browser_test.py, drives):
//   - results as you type (250 ms after the last key) or on Enter, with the
//     query words marked in each snippet;
//   - filters: language, a date range, and facet values with their counts
//     (GET /v1/stats names the fields; a value clicked becomes the query
//     language's field:value, lang:zh or time:2025, so the server filters
//     inside retrieval and counts again);
//   - pages (offset, and the answer's `more`), the explain view;
//   - keys: "/" to search, ↑/↓ to move through results, Enter to open one
//     (GET /v1/documents/{id}), Esc to close;
//   - an API key field (kept for this tab only, sent as a Bearer token),
//     shown when the server asks for one;
//   - its text in Chinese or English (the browser's language, or the
//     toggle), and a layout that fits a phone.
// Everything shown is set as text, never as HTML: a document cannot inject
// markup. The page shows only what /v1/search and /v1/documents return to
// the same caller, so its permissions are the API's.
#include "web/search_page.h"

namespace kbseek::web {

const std::string& search_page_html() {
  static const std::string html = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kbseek</title>
<style>
 *{box-sizing:border-box}
 body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:64rem;margin:1.2rem auto;padding:0 1rem;color:#222}
 header{display:flex;align-items:center;gap:.6rem} header h1{margin:0 auto 0 0;font-size:1.5rem}
 header button{font-size:.85rem;padding:.25rem .5rem}
 form{display:flex;gap:.5rem;margin:.8rem 0;flex-wrap:wrap} input[type=search]{flex:1 1 16rem;font-size:1.1rem;padding:.5rem}
 select,button,input{font-size:1rem;padding:.35rem}
 #filters{display:flex;gap:.8rem;flex-wrap:wrap;align-items:center;font-size:.9rem;color:#444}
 #main{display:flex;gap:1.5rem;align-items:flex-start} #facets{flex:0 0 12rem;font-size:.9rem} #results{flex:1;min-width:0}
 #facets h3{font-size:.85rem;margin:.9rem 0 .3rem;color:#555;text-transform:uppercase}
 #facets button{display:block;width:100%;text-align:left;border:0;background:none;padding:.15rem .3rem;cursor:pointer;font-size:.9rem}
 #facets button[aria-pressed=true]{background:#1a4fa0;color:#fff;border-radius:3px}
 #facets .n{float:right;color:#888} #facets button[aria-pressed=true] .n{color:#dde}
 .r{margin:.6rem 0;padding:.5rem .6rem;border-radius:4px;cursor:pointer} .r.sel{background:#eef3fb;outline:2px solid #9bb5e0}
 .t{font-weight:600;color:#1a4fa0} .m{color:#777;font-size:.85rem} .s{margin-top:.2rem;line-height:1.45}
 mark{background:#fff2a8;padding:0 .1em} #err{color:#b00} #warn{color:#8a5a00}
 table.x{font-size:.8rem;color:#555;border-collapse:collapse;margin-top:.3rem} table.x td{padding:0 .6rem 0 0}
 nav{display:flex;gap:.8rem;align-items:center;margin:1rem 0}
 #doc{position:fixed;inset:5% 5%;background:#fff;border:1px solid #999;box-shadow:0 4px 24px #0004;padding:1rem 1.2rem;overflow:auto;z-index:2}
 #doc pre{white-space:pre-wrap;font-family:inherit;line-height:1.5}
 @media (max-width:40rem){#main{flex-direction:column} #facets{flex:none;width:100%}}
</style></head><body>
<header><h1>kbseek</h1>
 <button id="key-toggle" type="button" data-t="key"></button>
 <button id="ui-lang" type="button"></button></header>
<form id="f"><input type="search" id="q" autofocus autocomplete="off" data-p="placeholder">
<select id="mode"><option value="hybrid">hybrid</option><option value="dense">dense</option><option value="bm25">bm25</option></select>
<button id="go" data-t="search"></button></form>
<p id="keyrow" hidden><input type="password" id="key" size="40" data-p="keyPlaceholder">
 <button id="key-save" type="button" data-t="use"></button> <span class="m" data-t="keyNote"></span></p>
<div id="filters">
 <label><span data-t="language"></span> <select id="lang-filter">
  <option value="" data-t="any"></option><option value="zh">中文</option><option value="en">English</option><option value="mixed" data-t="mixed"></option></select></label>
 <label><span data-t="from"></span> <input type="date" id="from"></label>
 <label><span data-t="to"></span> <input type="date" id="to"></label>
 <label><input type="checkbox" id="explain"> <span data-t="explain"></span></label>
</div>
<div id="main"><aside id="facets"></aside>
<section id="results"><p id="err" role="alert"></p><p id="warn"></p><p class="m" id="info"></p><p class="m" id="qinfo"></p>
<div id="out"></div>
<nav><button id="prev" type="button" disabled data-t="prev"></button><span id="pageno"></span>
<button id="next" type="button" disabled data-t="next"></button></nav></section></div>
<div id="doc" hidden role="dialog"><button id="doc-close" type="button" data-t="close"></button>
<h2 id="doc-title"></h2><p class="m" id="doc-meta"></p><pre id="doc-text"></pre></div>
<script>
const T={
 en:{placeholder:'Search… 搜索', search:'Search', key:'API key', use:'Use', keyNote:'kept in this tab only',
  keyPlaceholder:'API key (kbs_…)', language:'Language', any:'any', mixed:'mixed', from:'From', to:'to',
  explain:'Explain', prev:'‹ Previous', next:'Next ›', close:'Close', page:'page', results:'results', ms:'ms',
  none:'No results.', facet_lang:'Language', facet_year:'Year', score:'score', needKey:'This server needs an API key.',
  query:'Searched as', conditions:'conditions', ui:'中文'},
 zh:{placeholder:'搜索… search', search:'搜索', key:'API 密钥', use:'使用', keyNote:'仅保存在此标签页',
  keyPlaceholder:'API 密钥 (kbs_…)', language:'语言', any:'全部', mixed:'混合', from:'从', to:'到',
  explain:'评分解释', prev:'‹ 上一页', next:'下一页 ›', close:'关闭', page:'第', results:'条结果', ms:'毫秒',
  none:'没有结果。', facet_lang:'语言', facet_year:'年份', score:'得分', needKey:'此服务器需要 API 密钥。',
  query:'检索为', conditions:'条件', ui:'English'}};
const $=id=>document.getElementById(id);
let ui=localStorage.getItem('kbseek_ui')||((navigator.language||'').toLowerCase().startsWith('zh')?'zh':'en');
const st={offset:0,k:10,more:false,picked:{},facetFields:['lang','year'],sel:-1,results:[],timer:0,seq:0};
function t(k){return T[ui][k]||k;}
function applyUi(){
  document.documentElement.lang=ui==='zh'?'zh-CN':'en';
  for(const e of document.querySelectorAll('[data-t]')) e.textContent=t(e.dataset.t);
  for(const e of document.querySelectorAll('[data-p]')) e.placeholder=t(e.dataset.p);
  $('ui-lang').textContent=t('ui');
}
function el(tag,cls,text){const e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
function key(){return sessionStorage.getItem('kbseek_key')||'';}
function headers(){const h={'Content-Type':'application/json'};if(key())h['Authorization']='Bearer '+key();return h;}
function askKey(){$('keyrow').hidden=false;$('key').focus();}
// The snippet with its highlights marked: offsets count characters (code points), as Array.from does.
function snippet(x){const d=el('div','s');const c=Array.from(x.snippet);let at=0;
  for(const [a,b] of (x.highlights||[])){d.append(c.slice(at,a).join(''));d.appendChild(el('mark','',c.slice(a,b).join('')));at=b;}
  d.append(c.slice(at).join(''));return d;}
// A field:value clause of the query language; a value with spaces is quoted.
function clause(field,value){
  if(field==='year') return 'time:'+value;
  return field+':'+(/\s/.test(value)?'"'+value.replace(/"/g,'')+'"':value);}
function fullQuery(){
  const parts=[$('q').value.trim()];
  const lang=$('lang-filter').value; if(lang) parts.push('lang:'+lang);
  const from=$('from').value,to=$('to').value;
  if(from&&to) parts.push('time:'+from+'..'+to); else if(from) parts.push('time:>='+from); else if(to) parts.push('time:1900-01-01..'+to);
  for(const [f,v] of Object.entries(st.picked)) if(!(f==='lang'&&lang)) parts.push(clause(f,v));
  return parts.join(' ');}
async function loadStats(){
  try{const r=await fetch('v1/stats',{headers:headers()});
    if(r.status===401){askKey();return;}
    if(r.ok){const j=await r.json();st.facetFields=j.facets.slice(0,8);}
  }catch(e){}
}
async function search(){
  const q=$('q').value.trim(); const seq=++st.seq;
  $('err').textContent='';
  if(!q){$('out').textContent='';$('info').textContent='';$('warn').textContent='';$('qinfo').textContent='';$('facets').textContent='';
    $('prev').disabled=$('next').disabled=true;$('pageno').textContent='';return;}
  const body={query:fullQuery(),k:st.k,offset:st.offset,mode:$('mode').value,explain:$('explain').checked,facets:st.facetFields};
  let r,j;
  try{r=await fetch('v1/search',{method:'POST',headers:headers(),body:JSON.stringify(body)});j=await r.json();}
  catch(e){if(seq===st.seq)$('err').textContent=String(e);return;}
  if(seq!==st.seq) return;  // a newer search has been sent
  if(r.status===401){sessionStorage.removeItem('kbseek_key');askKey();$('err').textContent=t('needKey');return;}
  if(!r.ok){$('err').textContent=(j.error&&j.error.message)||r.statusText;return;}
  render(j);
}
function render(j){
  st.results=j.results; st.more=!!j.more; st.sel=-1;
  const page=Math.floor(st.offset/st.k)+1;
  $('info').textContent=ui==='zh'?(j.results.length+' '+t('results')+' · '+t('page')+' '+page+' 页 · '+j.took_ms.toFixed(1)+' '+t('ms'))
                                 :(j.results.length+' '+t('results')+' · '+t('page')+' '+page+' · '+j.took_ms.toFixed(1)+' '+t('ms'));
  $('warn').textContent=(j.warnings||[]).join(' · ');
  $('qinfo').textContent=j.query?(t('query')+': '+j.query.text+(j.query.conditions.length?' · '+t('conditions')+': '+j.query.conditions.join(', '):'')
                                   +' · '+j.query.languages.join(',')):'';
  const out=$('out'); out.textContent='';
  if(!j.results.length) out.appendChild(el('p','m',t('none')));
  j.results.forEach((x,i)=>{
    const d=el('div','r'); d.dataset.id=x.id; d.tabIndex=-1;
    d.appendChild(el('div','t',x.title||x.id));
    d.appendChild(el('div','m',x.id+' · '+t('score')+' '+x.score.toFixed(4)));
    d.appendChild(snippet(x));
    if(x.explain){const tb=el('table','x');
      for(const s of x.explain){const tr=el('tr');for(const v of [s.source,'#'+s.rank,s.score.toFixed(4),'w '+s.weight.toFixed(3)])tr.appendChild(el('td','',v));tb.appendChild(tr);}
      d.appendChild(tb);}
    d.addEventListener('click',()=>{select(i);openDoc(x.id);});
    out.appendChild(d);
  });
  $('pageno').textContent=ui==='zh'?(t('page')+' '+page+' 页'):(t('page')+' '+page);
  $('prev').disabled=st.offset===0; $('next').disabled=!st.more;
  renderFacets(j.facets||{});
}
function renderFacets(facets){
  const box=$('facets'); box.textContent='';
  for(const f of st.facetFields){
    const list=(facets[f]||[]).slice(0,12);
    if(st.picked[f]&&!list.some(c=>c.value===st.picked[f])) list.unshift({value:st.picked[f],count:0});
    if(!list.length) continue;
    box.appendChild(el('h3','',f==='lang'?t('facet_lang'):f==='year'?t('facet_year'):f));
    for(const c of list){
      const b=el('button'); b.type='button'; b.dataset.field=f; b.dataset.value=c.value;
      b.setAttribute('aria-pressed',st.picked[f]===c.value?'true':'false');
      b.append(c.value); b.appendChild(el('span','n',String(c.count)));
      b.addEventListener('click',()=>{if(st.picked[f]===c.value)delete st.picked[f];else st.picked[f]=c.value;st.offset=0;search();});
      box.appendChild(b);
    }
  }
}
function select(i){
  const rows=$('out').querySelectorAll('.r'); if(!rows.length) return;
  st.sel=Math.max(0,Math.min(rows.length-1,i));
  rows.forEach((r,n)=>r.classList.toggle('sel',n===st.sel));
  rows[st.sel].focus({preventScroll:true}); rows[st.sel].scrollIntoView({block:'nearest'});
}
function unselect(){st.sel=-1; $('out').querySelectorAll('.r').forEach(r=>r.classList.remove('sel')); $('q').focus();}
async function openDoc(id){
  const r=await fetch('v1/documents/'+encodeURIComponent(id),{headers:headers()});
  const j=await r.json();
  if(!r.ok){$('err').textContent=(j.error&&j.error.message)||r.statusText;return;}
  $('doc-title').textContent=j.title||j.id;
  const meta=[j.id]; if(j.timestamp!==undefined) meta.push(new Date(j.timestamp*1000).toISOString().slice(0,10));
  if(j.metadata&&typeof j.metadata==='object') for(const [k,v] of Object.entries(j.metadata)) meta.push(k+': '+v);
  $('doc-meta').textContent=meta.join(' · '); $('doc-text').textContent=j.text; $('doc').hidden=false; $('doc-close').focus();
}
function closeDoc(){$('doc').hidden=true; const rows=$('out').querySelectorAll('.r'); if(st.sel>=0&&rows[st.sel]) rows[st.sel].focus();}
$('f').addEventListener('submit',ev=>{ev.preventDefault();clearTimeout(st.timer);st.offset=0;search();});
$('q').addEventListener('input',()=>{clearTimeout(st.timer);st.timer=setTimeout(()=>{st.offset=0;search();},250);});
for(const id of ['mode','lang-filter','from','to','explain']) $(id).addEventListener('change',()=>{st.offset=0;search();});
$('prev').addEventListener('click',()=>{st.offset=Math.max(0,st.offset-st.k);search();});
$('next').addEventListener('click',()=>{if(st.more){st.offset+=st.k;search();}});
$('doc-close').addEventListener('click',closeDoc);
$('key-toggle').addEventListener('click',()=>{$('keyrow').hidden=!$('keyrow').hidden;if(!$('keyrow').hidden)$('key').focus();});
function useKey(){const k=$('key').value.trim(); if(k) sessionStorage.setItem('kbseek_key',k); else sessionStorage.removeItem('kbseek_key');
  $('key').value=''; $('keyrow').hidden=true; loadStats().then(search);}
$('key-save').addEventListener('click',useKey);
$('key').addEventListener('keydown',ev=>{if(ev.key==='Enter'){ev.preventDefault();useKey();}});
$('ui-lang').addEventListener('click',()=>{ui=ui==='zh'?'en':'zh';localStorage.setItem('kbseek_ui',ui);applyUi();search();});
document.addEventListener('keydown',ev=>{
  const typing=ev.target.tagName==='INPUT'&&ev.target.id!=='q'||ev.target.tagName==='SELECT';
  if(ev.key==='Escape'){if(!$('doc').hidden){closeDoc();}else{unselect();} return;}
  if(!$('doc').hidden||typing) return;
  if(ev.key==='/'&&ev.target.id!=='q'){ev.preventDefault();$('q').focus();$('q').select();}
  else if(ev.key==='ArrowDown'){ev.preventDefault();select(st.sel+1);}
  else if(ev.key==='ArrowUp'&&st.sel>=0){ev.preventDefault();if(st.sel===0)unselect();else select(st.sel-1);}
  else if(ev.key==='Enter'&&st.sel>=0&&ev.target.id!=='q'){ev.preventDefault();openDoc(st.results[st.sel].id);}
});
applyUi(); loadStats().then(()=>{if($('q').value.trim())search();});
</script></body></html>
)HTML";
  return html;
}

}  // namespace kbseek::web
