// The page is kept small and dependency-free; the full UI is its own issue.
#include "web/search_page.h"

namespace kbseek::web {

const std::string& search_page_html() {
  static const std::string html = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kbseek</title>
<style>
 body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
 form{display:flex;gap:.5rem} input[type=search]{flex:1;font-size:1.1rem;padding:.5rem}
 select,button{font-size:1rem;padding:.4rem} .r{margin:1.2rem 0} .t{font-weight:600;color:#1a4fa0}
 .m{color:#777;font-size:.85rem} .s{margin-top:.2rem;line-height:1.45} #err{color:#b00}
 mark{background:#fff2a8;padding:0 .1em} #warn{color:#8a5a00}
</style></head><body>
<h1>kbseek</h1>
<form id="f"><input type="search" id="q" placeholder="搜索 / search…" autofocus>
<select id="mode"><option>hybrid</option><option>dense</option><option>bm25</option></select>
<button>Search</button></form>
<p id="keyrow" hidden><input type="password" id="key" placeholder="API key (kbs_…)" size="40">
 <span class="m">kept in this tab only</span></p>
<p id="err"></p><p id="warn"></p><p class="m" id="info"></p><div id="out"></div>
<script>
const $=id=>document.getElementById(id);
function el(tag,cls,text){const e=document.createElement(tag);if(cls)e.className=cls;e.textContent=text;return e;}
// The snippet with its highlights marked: offsets count characters (code points), as Array.from does.
function snippet(x){const d=el('div','s','');const c=Array.from(x.snippet);let at=0;
  for(const [a,b] of (x.highlights||[])){d.append(c.slice(at,a).join(''));d.appendChild(el('mark','',c.slice(a,b).join('')));at=b;}
  d.append(c.slice(at).join(''));return d;}
$('f').addEventListener('submit',async ev=>{
  ev.preventDefault(); $('err').textContent=''; $('warn').textContent=''; $('out').textContent='';
  const q=$('q').value.trim(); if(!q) return;
  const key=$('key').value.trim()||sessionStorage.getItem('kbseek_key')||'';
  if(key) sessionStorage.setItem('kbseek_key',key);
  const h={'Content-Type':'application/json'}; if(key) h['Authorization']='Bearer '+key;
  try{
    const r=await fetch('/v1/search',{method:'POST',headers:h,
      body:JSON.stringify({query:q,k:10,mode:$('mode').value})});
    const j=await r.json();
    if(r.status===401){sessionStorage.removeItem('kbseek_key');$('keyrow').hidden=false;$('key').focus();}
    if(!r.ok){$('err').textContent=(j.error&&j.error.message)||r.statusText;return;}
    $('info').textContent=j.results.length+' results in '+j.took_ms.toFixed(1)+' ms';
    if(j.warnings) $('warn').textContent=j.warnings.join(' · ');
    for(const x of j.results){
      const d=el('div','r');
      d.appendChild(el('div','t',x.title||x.id));
      d.appendChild(el('div','m',x.id+' · score '+x.score.toFixed(4)));
      d.appendChild(snippet(x));
      $('out').appendChild(d);
    }
  }catch(e){$('err').textContent=String(e);}
});
</script></body></html>
)HTML";
  return html;
}

}  // namespace kbseek::web
