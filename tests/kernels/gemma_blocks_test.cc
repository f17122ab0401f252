// Gemma 3 blocks against transformers itself: the inputs and outputs in
// tests/data/kernels/gemma_blocks.json come from transformers' own Gemma3
// modules (gen_gemma_blocks.py beside this file); every backend runs our ops
// on the same inputs. Errors are reported per block as max |got - want| over
// max |want| (and the L2 normalised error).
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/kernels/backend_fixture.h"

namespace kbseek::kernels::testing {
namespace {

using json = nlohmann::json;

const json& blocks() {
  static const json j = [] {
    std::ifstream in(KBSEEK_TEST_DATA_DIR "/gemma_blocks.json");
    return in ? json::parse(in) : json();
  }();
  return j;
}

std::vector<float> floats(const json& v) { return v.get<std::vector<float>>(); }

class GemmaBlocksTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(blocks().is_object()) << "cannot read " KBSEEK_TEST_DATA_DIR "/gemma_blocks.json";
  }

  // Fails when the max error, normalised by the largest |want|, passes 1e-5.
  void expect_close(const std::string& what, const std::vector<float>& got, const json& want_json) {
    const std::vector<float> want_f = floats(want_json);
    ASSERT_EQ(got.size(), want_f.size()) << what;
    const std::vector<double> want(want_f.begin(), want_f.end());
    double max_err = 0, max_want = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      max_err = std::max(max_err, std::abs(got[i] - want[i]));
      max_want = std::max(max_want, std::abs(want[i]));
    }
    const double rel = max_err / std::max(max_want, 1e-30);
    std::printf("  %s %s: max |err| %.2e (%.2e of max |want| %.3g), L2 %.2e\n", GetParam().c_str(), what.c_str(),
                max_err, rel, max_want, normalized_error(got, want));
    EXPECT_LT(rel, 1e-5) << what;
    EXPECT_LT(normalized_error(got, want), 1e-6) << what;
  }

  Buffer zeros(size_t n) { return upload(std::vector<float>(n, 0.0f)); }

  // y = x Wᵀ on the backend, x [rows × in], W [out × in].
  Buffer linear(const Buffer& x, int rows, int in, const std::vector<float>& w, int out) {
    Buffer dw = upload(w), y = zeros(static_cast<size_t>(rows) * out);
    EXPECT_TRUE(backend_->linear(x.data(), rows, in, dw.data(), nullptr, y.data(), out).is_ok());
    return y;
  }

  // Gemma's RMSNorm weight w is applied as (1 + w), folded into gamma here.
  Buffer gemma_gamma(const json& w) {
    std::vector<float> g = floats(w);
    for (float& x : g) x = 1.0f + x;
    return upload(g);
  }
};

TEST_P(GemmaBlocksTest, RmsNormMatchesGemma3RMSNorm) {
  int n = 0;
  for (const json& c : blocks()["rms_norm"]) {
    const int rows = c["rows"], cols = c["cols"];
    Buffer x = upload(floats(c["x"])), out = zeros(static_cast<size_t>(rows) * cols);
    Buffer gamma = gemma_gamma(c["weight"]);
    ASSERT_TRUE(
        backend_->rms_norm(x.data(), out.data(), rows, cols, gamma.data(), c["eps"].get<float>(), false).is_ok());
    expect_close("rms_norm[" + std::to_string(n++) + "]", download(out), c["out"]);
  }
  EXPECT_GT(n, 0);
}

TEST_P(GemmaBlocksTest, RopeMatchesApplyRotaryPosEmb) {
  int n = 0;
  for (const json& c : blocks()["rope"]) {
    const std::vector<int> offsets = c["offsets"];
    const int dim = c["head_dim"];
    for (const json& t : c["tensors"]) {
      const int heads = t["heads"];
      Buffer x = upload(floats(t["x"]));
      ASSERT_TRUE(backend_
                      ->rope(x.data(), heads * dim, static_cast<int>(offsets.size()) - 1, offsets.data(), heads, dim,
                             c["base"].get<float>(), 0)
                      .is_ok());
      expect_close("rope[" + std::to_string(n++) + "] " + c["layer_type"].get<std::string>() +
                       " T=" + std::to_string(offsets.back()) + " heads=" + std::to_string(heads),
                   download(x), t["out"]);
    }
  }
  EXPECT_GT(n, 0);
}

TEST_P(GemmaBlocksTest, GqaAttentionMatchesEagerAttentionWithGemmaMask) {
  int n = 0;
  for (const json& c : blocks()["attention"]) {
    const std::vector<int> offsets = c["offsets"];
    const int hq = c["num_q_heads"], hkv = c["num_kv_heads"], dim = c["head_dim"], window = c["window"];
    if (c["layer_type"] == "sliding_attention") {
      // transformers turns a bidirectional config's window W into W / 2 + 1.
      EXPECT_EQ(window, c["config_sliding_window"].get<int>() / 2 + 1);
    }
    Buffer q = upload(floats(c["q"])), k = upload(floats(c["k"])), v = upload(floats(c["v"]));
    Buffer ctx = zeros(static_cast<size_t>(offsets.back()) * hq * dim);
    ASSERT_TRUE(backend_
                    ->gqa_attention(q.data(), k.data(), v.data(), ctx.data(), static_cast<int>(offsets.size()) - 1,
                                    offsets.data(), hq, hkv, dim, c["scale"].get<float>(), window)
                    .is_ok());
    expect_close("attention[" + std::to_string(n++) + "] " + c["layer_type"].get<std::string>() +
                     " window=" + std::to_string(window),
                 download(ctx), c["ctx"]);
  }
  EXPECT_GT(n, 0);
}

TEST_P(GemmaBlocksTest, AttentionLayerMatchesGemma3Attention) {
  // q/k/v projections, per-head q_norm/k_norm, rope, attention, o_proj.
  int n = 0;
  for (const json& c : blocks()["attention_layer"]) {
    const std::vector<int> offsets = c["offsets"];
    const int t = offsets.back(), seqs = static_cast<int>(offsets.size()) - 1;
    const int hidden = c["hidden"], hq = c["num_q_heads"], hkv = c["num_kv_heads"], dim = c["head_dim"];
    const float eps = c["eps"], base = c["base"];
    Buffer x = upload(floats(c["x"]));
    Buffer q = linear(x, t, hidden, floats(c["q_proj"]), hq * dim);
    Buffer k = linear(x, t, hidden, floats(c["k_proj"]), hkv * dim);
    Buffer v = linear(x, t, hidden, floats(c["v_proj"]), hkv * dim);
    Buffer gq = gemma_gamma(c["q_norm"]), gk = gemma_gamma(c["k_norm"]);
    ASSERT_TRUE(backend_->rms_norm(q.data(), q.data(), t * hq, dim, gq.data(), eps, false).is_ok());
    ASSERT_TRUE(backend_->rms_norm(k.data(), k.data(), t * hkv, dim, gk.data(), eps, false).is_ok());
    ASSERT_TRUE(backend_->rope(q.data(), hq * dim, seqs, offsets.data(), hq, dim, base, 0).is_ok());
    ASSERT_TRUE(backend_->rope(k.data(), hkv * dim, seqs, offsets.data(), hkv, dim, base, 0).is_ok());
    Buffer ctx = zeros(static_cast<size_t>(t) * hq * dim);
    ASSERT_TRUE(backend_
                    ->gqa_attention(q.data(), k.data(), v.data(), ctx.data(), seqs, offsets.data(), hq, hkv, dim,
                                    c["scale"].get<float>(), c["window"].get<int>())
                    .is_ok());
    Buffer out = linear(ctx, t, hq * dim, floats(c["o_proj"]), hidden);
    expect_close("attention_layer[" + std::to_string(n++) + "] " + c["layer_type"].get<std::string>(), download(out),
                 c["out"]);
  }
  EXPECT_GT(n, 0);
}

TEST_P(GemmaBlocksTest, GegluMlpMatchesGemma3MLP) {
  int n = 0;
  for (const json& c : blocks()["mlp"]) {
    ASSERT_EQ(c["activation"], "gelu_pytorch_tanh");
    const int rows = c["rows"], hidden = c["hidden"], inter = c["intermediate"];
    // One fused projection writes gate | up side by side, as the encoder does.
    std::vector<float> gate_up = floats(c["gate_proj"]);
    const std::vector<float> up = floats(c["up_proj"]);
    gate_up.insert(gate_up.end(), up.begin(), up.end());
    Buffer x = upload(floats(c["x"]));
    Buffer gu = linear(x, rows, hidden, gate_up, 2 * inter);
    Buffer act = zeros(static_cast<size_t>(rows) * inter);
    ASSERT_TRUE(backend_->geglu(gu.data(), act.data(), rows, inter).is_ok());
    Buffer out = linear(act, rows, inter, floats(c["down_proj"]), hidden);
    expect_close("mlp[" + std::to_string(n++) + "]", download(out), c["out"]);
  }
  EXPECT_GT(n, 0);
}

KB_INSTANTIATE_BACKENDS(GemmaBlocksTest);

}  // namespace
}  // namespace kbseek::kernels::testing
