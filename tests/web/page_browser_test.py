#!/usr/bin/env python3
"""The search page end to end in a real headless Chromium (Debian's
chromium, chromium-driver and python3-selenium, which KBSEEK_TEST_CLIENTS=1 scripts/setup.sh
installs): against a real `kbseek serve --auth` on the bilingual sample plus
three finance-only documents, a reader asks for a key, types a question and
sees the right first result, filters by a facet, pages, opens a result with
the keyboard, switches the page to Chinese, fits a phone, and never sees a
document outside its key's groups, in results, counts or the page's text;
a finance key sees them.

  page_browser_test.py KBSEEK_BINARY SOURCE_DIR [--screenshot PNG]

Exit 77 (CTest: skipped) when selenium or chromium is not installed.
"""
import json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("SKIP: python3-selenium is not installed (KBSEEK_TEST_CLIENTS=1 bash scripts/setup.sh installs it)")
    sys.exit(77)

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    print("SKIP: chromium / chromium-driver are not installed (KBSEEK_TEST_CLIENTS=1 bash scripts/setup.sh installs them)")
    sys.exit(77)

KB, SRC = sys.argv[1], sys.argv[2]
SHOT = sys.argv[sys.argv.index("--screenshot") + 1] if "--screenshot" in sys.argv else None
SAMPLE = os.path.join(SRC, "app/sample/bilingual_sample.jsonl")
SECRET_IDS = {"fin-secret-1", "fin-secret-2", "fin-secret-3"}
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(*args):
    r = subprocess.run([KB, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"kbseek {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def main():
    work = tempfile.mkdtemp(prefix="kbseek_page_")
    try:
        return scenario(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def scenario(work):
    corpus = {}
    for line in open(SAMPLE, encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            corpus[d["id"]] = d
    secret = os.path.join(work, "secret.jsonl")
    with open(secret, "w", encoding="utf-8") as f:
        for i in range(1, 4):
            d = {"id": f"fin-secret-{i}", "title": f"Confidential bicycle budget {i}",
                 "text": f"Confidential: the bicycle parking budget for quarter {i} is restricted to finance. "
                         "自行车停车预算，仅限财务部门。", "timestamp": "2025-06-01",
                 "metadata": {"dept": "Finance"}, "acl": ["finance"]}
            corpus[d["id"]] = d
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    index = os.path.join(work, "index")
    run("index", "--index", index, SAMPLE, secret, "--quiet")
    staff_key = run("keys", "create", "--index", index, "--role", "reader", "--principals", "all-staff").split()[-1]
    finance_key = run("keys", "create", "--index", index, "--role", "reader",
                      "--principals", "all-staff,finance").split()[-1]
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen([KB, "serve", "--index", index, "--port", "0", "--auth", "--no-access-log"],
                              stdout=subprocess.DEVNULL, stderr=log)
    try:
        port = None
        for _ in range(600):
            m = re.search(r"on http://[^:]+:(\d+)/", open(log_path, encoding="utf-8").read())
            if m:
                port = int(m.group(1))
                break
            if server.poll() is not None:
                sys.exit("server exited: " + open(log_path, encoding="utf-8").read())
            time.sleep(0.1)
        if port is None:
            sys.exit("server did not start: " + open(log_path, encoding="utf-8").read())
        browse(f"http://127.0.0.1:{port}", corpus, staff_key, finance_key)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


def api(base, key, body):
    req = urllib.request.Request(base + "/v1/search", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def browse(base, corpus, staff_key, finance_key):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=en-US",
              "--window-size=1200,900"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    wait = WebDriverWait(driver, 30, poll_frequency=0.1)
    try:
        def ids():  # read in one script: the list may be re-rendered meanwhile
            return driver.execute_script(
                "return Array.from(document.querySelectorAll('#out .r')).map(e => e.dataset.id)")

        def facet_counts(field):
            return driver.execute_script(
                "return Array.from(document.querySelectorAll('#facets button[data-field=' + arguments[0] + ']'))"
                ".map(b => [b.dataset.value, Number(b.querySelector('.n').textContent)])", field)

        def settle(previous=None):
            """The results once a search has answered (and differ from `previous`, if given)."""
            wait.until(lambda d: d.execute_script("return document.getElementById('info').textContent") != ""
                       and (previous is None or ids() != previous))
            time.sleep(0.4)  # an instant search may still be on its way
            return ids()

        def type_query(text):
            q = driver.find_element(By.ID, "q")
            q.clear()
            driver.execute_script("document.getElementById('info').textContent=''")
            q.send_keys(text)  # no Enter: results come as one types

        driver.get(base + "/")
        # The server wants a key: the page says so and asks for one.
        wait.until(lambda d: d.find_element(By.ID, "keyrow").is_displayed())
        check(True, "the page asks for a key when the server needs one")
        driver.find_element(By.ID, "key").send_keys(staff_key + Keys.ENTER)
        wait.until(lambda d: not d.find_element(By.ID, "keyrow").is_displayed())

        # Type, see the right first result with the query's words marked.
        type_query("差旅费用怎么报销")
        first = settle()
        check(first[:1] == ["kb-004"], f"the travel-expense question finds kb-004 first (got {first[:3]})")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#out .r mark")) > 0, "query words are marked in snippets")

        # Facets: counts shown; one clicked filters to its value, and counts again.
        type_query("policy password 政策 密码")
        broad = settle()
        listed = facet_counts("dept")
        check(len(listed) >= 2, f"dept facet values are listed ({listed})")
        value, count = listed[0]
        driver.find_element(By.CSS_SELECTOR, f"#facets button[data-field=dept][data-value='{value}']").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#facets button[data-field=dept][aria-pressed=true]"))
        filtered = settle(broad)
        check(len(filtered) == min(count, 10) and all(corpus[i]["metadata"]["dept"].lower() == value for i in filtered),
              f"dept:{value} keeps its {count} documents ({len(filtered)} shown)")
        driver.find_element(By.CSS_SELECTOR, "#facets button[aria-pressed=true]").click()
        settle(filtered)

        # Pages: the second page is what the API gives at offset 10.
        page1 = ids()
        check(len(page1) == 10 and driver.find_element(By.ID, "next").is_enabled(), "a full first page, and a next one")
        driver.find_element(By.ID, "next").click()
        page2 = settle(page1)
        expect = [r["id"] for r in api(base, staff_key, {"query": "policy password 政策 密码", "k": 10, "offset": 10})["results"]]
        check(page2 == expect and not set(page2) & set(page1), f"page 2 is the API's offset 10 ({page2[:3]}…)")
        check(driver.find_element(By.ID, "prev").is_enabled(), "a previous page from page 2")

        # Permissions: the staff key never sees the finance-only documents.
        type_query("confidential bicycle parking budget 自行车 预算")
        staff = settle()
        source = driver.page_source
        check(not set(staff) & SECRET_IDS and "Confidential bicycle" not in source and "fin-secret" not in source,
              "a staff key sees nothing of the finance-only documents, in results or the page")
        counts = sum(n for _, n in facet_counts("dept"))
        check(counts == len(api(base, staff_key, {"query": "confidential bicycle parking budget 自行车 预算", "k": 100})["results"]),
              "facet counts count only what the key may read")

        # The explain view shows each hit's sources.
        driver.find_element(By.ID, "explain").click()
        settle(None)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#out .r table.x"))
        check(True, "explain shows each hit's sources")
        driver.find_element(By.ID, "explain").click()

        # Keyboard: "/" to the box, ↓ to a result, Enter opens it, Esc closes.
        driver.execute_script("document.activeElement.blur()")
        ActionChains(driver).send_keys("/").perform()
        check(driver.switch_to.active_element.get_attribute("id") == "q", "'/' focuses the search box")
        type_query("VPN 密码 重置")
        vpn = settle()
        driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
        selected = driver.find_elements(By.CSS_SELECTOR, "#out .r.sel")
        check(len(selected) == 1 and selected[0].get_attribute("data-id") == vpn[0], "↓ selects the first result")
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        wait.until(lambda d: d.find_element(By.ID, "doc").is_displayed())
        title = driver.find_element(By.ID, "doc-title").text
        check(title == corpus[vpn[0]]["title"], f"Enter opens it ({title})")
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait.until(lambda d: not d.find_element(By.ID, "doc").is_displayed())
        check(True, "Esc closes it")
        if SHOT:
            driver.save_screenshot(SHOT)

        # Another key: finance sees its documents.
        driver.find_element(By.ID, "key-toggle").click()
        driver.find_element(By.ID, "key").send_keys(finance_key + Keys.ENTER)
        type_query("confidential bicycle parking budget 自行车 预算")
        fin = settle()
        check(bool(set(fin) & SECRET_IDS), f"a finance key sees the finance documents ({fin[:3]})")

        # The page in Chinese.
        driver.find_element(By.ID, "ui-lang").click()
        check(driver.find_element(By.ID, "go").text == "搜索" and driver.find_element(By.ID, "next").text == "下一页 ›",
              "the page switches to Chinese")
        # On a phone: nothing wider than the screen.
        driver.set_window_size(390, 844)
        time.sleep(0.3)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 0, f"fits a 390 px wide phone (overflow {overflow} px)")
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
