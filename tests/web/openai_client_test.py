#!/usr/bin/env python3
"""POST /v1/embeddings with PyPI's `openai` client against a real `kbseek serve`.

The client (its default asks for base64) and a plain float request must give
the vectors `kbseek embed` gives for the same texts; a model that is not
installed is a 404 the client raises as NotFoundError; with keys on, the
client's api_key is the kbseek key.

  openai_client_test.py KBSEEK_BINARY SOURCE_DIR
Exit 77 (CTest: skipped) when the `openai` package is not importable: it is
installed into .cache/test-venv by scripts/setup.sh with KBSEEK_TEST_CLIENTS=1,
which scripts/test.sh sets.
"""
import json, math, os, shutil, signal, subprocess, sys, tempfile, time, urllib.request

try:
    import openai
except ImportError:
    print("skipped: the openai package is not installed (KBSEEK_TEST_CLIENTS=1 bash scripts/setup.sh)")
    sys.exit(77)

kb, src = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="kbseek-openai-")
server = None
try:
    index = os.path.join(work, "index")
    subprocess.run([kb, "index", "--index", index, os.path.join(src, "app/sample/bilingual_sample.jsonl"), "--quiet"],
                   check=True)
    key = subprocess.run([kb, "keys", "create", "--index", index, "--role", "reader"], check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    err = open(os.path.join(work, "serve.log"), "w")
    server = subprocess.Popen([kb, "serve", "--index", index, "--port", "0", "--auth"], stderr=err)
    port = None
    for _ in range(600):
        log = open(os.path.join(work, "serve.log")).read()
        if "on http://" in log:
            port = int(log.split("on http://")[1].split("/")[0].rsplit(":", 1)[1])
            break
        time.sleep(0.1)
    assert port, "serve did not start: " + open(os.path.join(work, "serve.log")).read()

    texts = ["how do I reset my VPN password", "差旅费用怎么报销", "GPU 节点 H100"]
    expected = [json.loads(l) for l in subprocess.run([kb, "embed", "--model", "all-minilm-l6-v2"],
                                                      input="\n".join(texts) + "\n", check=True,
                                                      capture_output=True, text=True).stdout.splitlines()]
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key)
    got = client.embeddings.create(model="all-minilm-l6-v2", input=texts)  # the client's default: base64
    assert got.model == "all-minilm-l6-v2", got.model
    assert [d.index for d in got.data] == [0, 1, 2]
    assert got.usage.prompt_tokens > 0
    for d, e in zip(got.data, expected):
        assert len(d.embedding) == len(e) == 384, len(d.embedding)
        cos = sum(a * b for a, b in zip(d.embedding, e))
        assert cos > 0.9999, cos
    floats = client.embeddings.create(model="all-minilm-l6-v2", input=texts[0], encoding_format="float")
    assert max(abs(a - b) for a, b in zip(floats.data[0].embedding, expected[0])) < 1e-5

    try:
        client.embeddings.create(model="no-such-model", input="x")
        raise AssertionError("a missing model was accepted")
    except openai.NotFoundError:
        pass
    try:
        openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="kbs_wrong").embeddings.create(
            model="all-minilm-l6-v2", input="x")
        raise AssertionError("a wrong key was accepted")
    except openai.AuthenticationError:
        pass
    print("ok: openai", openai.__version__, "embeddings match kbseek embed")
finally:
    if server:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)
