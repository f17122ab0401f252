// UseM3Model: weights; per group the per-id stage, then the token stage per
// chunk; the sentence stage once per batch.
#include "encoder/use/use_model.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>

#include "core/thread_pool.h"
#include "encoder/use/use_ops.h"
#include "kernels/backend.h"

namespace kbseek::encoder {
namespace {

// Runs fn(i) for i in [0, n) on up to `ways` threads of the global pool,
// handing out indices one by one (chunks differ in size).
void run_parallel(int n, int ways, const std::function<void(int)>& fn) {
  if (ways <= 1 || n <= 1) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<int> next{0};
  core::ThreadPool::global().parallel_for(static_cast<size_t>(std::min(ways, n)), [&](size_t, size_t) {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  });
}

}  // namespace

struct UseM3Model::PerId {
  std::vector<int32_t> ids;               // distinct ids of the group, sorted
  std::vector<float> emb;                 // [U, E]
  std::vector<float> x;                   // [U, P] after the layer norm
  std::vector<std::vector<float>> conv1;  // per branch [U, width*C]
};

// Reused across calls so that steady-state encoding does not allocate
// (fresh multi-MB buffers cost page faults on every chunk).
struct UseM3Model::Scratch {
  std::vector<float> feat, windows, h;
  std::vector<uint16_t> h_bf16, windows_bf16;
  std::vector<int> offsets;
};

core::Status UseM3Model::load_matrix(const std::string& name, int64_t k, int64_t n, Matrix* m, bool fp32_only) {
  KB_ASSIGN_OR_RETURN(m->w, file_->read_f32(name, {k, n}));
  m->k = static_cast<int>(k);
  m->n = static_cast<int>(n);
  pack(m, fp32_only);
  return core::Status::ok();
}

void UseM3Model::pack(Matrix* m, bool fp32_only) const {
  if ((fp32_only || products_ == UseProducts::kFp32) && kernels::cpu::sgemm_small_available()) {
    m->strips = kernels::cpu::PackedStrips(m->w.data(), m->k, m->n, m->n);
  }
  if (fp32_only) return;
  if (products_ == UseProducts::kAmxBf16) m->packed = use_amx::PackedB(m->w.data(), m->k, m->n);
  if (products_ == UseProducts::kAvx512Bf16) m->packed_dp = kernels::cpu::bf16::PackedB(m->w.data(), m->k, m->n);
}

void UseM3Model::matmul_fp32(int m, const float* a, int lda, const Matrix& w, float* c, int ldc, bool accumulate,
                             int ways) const {
  use_ops::sgemm(m, w.n, w.k, a, lda, w.w.data(), c, ldc, accumulate, ways, &w.strips);
}

const char* UseM3Model::products_name() const {
  switch (products_) {
    case UseProducts::kAmxBf16: return "bf16 AMX";
    case UseProducts::kAvx512Bf16: return "bf16 AVX-512";
    case UseProducts::kFp32: break;
  }
  return "fp32";
}

void UseM3Model::matmul(int m, const float* a, int lda, const Matrix& w, float* c, int ldc, bool accumulate,
                        int ways) const {
  switch (products_) {
    case UseProducts::kAmxBf16: return use_amx::gemm(m, a, lda, w.packed, c, ldc, accumulate, ways);
    case UseProducts::kAvx512Bf16: return kernels::cpu::bf16::gemm(m, a, lda, w.packed_dp, c, ldc, accumulate, ways);
    case UseProducts::kFp32: break;
  }
  matmul_fp32(m, a, lda, w, c, ldc, accumulate, ways);
}

void UseM3Model::matmul_bf16(int m, const uint16_t* a, int lda, const Matrix& w, float* c, int ldc, bool accumulate,
                             int ways) const {
  if (products_ == UseProducts::kAmxBf16) {
    use_amx::gemm_bf16(m, a, lda, w.packed, c, ldc, accumulate, ways);
  } else {
    kernels::cpu::bf16::gemm_bf16(m, a, lda, w.packed_dp, c, ldc, accumulate, ways);
  }
}

core::Result<std::unique_ptr<UseM3Model>> UseM3Model::load(const std::string& path, const UseConfig& c,
                                                           UseMatmul matmul) {
  std::unique_ptr<UseM3Model> m(new UseM3Model());
  m->config_ = c;
  // AMX tiles need k % 32 == 0 and n % 16 == 0 for every matrix they run
  // (AVX512-BF16 needs k % 2 == 0 and n % 16 == 0: implied).
  const bool shapes_fit = c.embedding_dim % 32 == 0 && c.ngram_dim % 32 == 0 && c.hidden_size % 16 == 0;
  if (matmul == UseMatmul::kAuto && shapes_fit) {
    if (use_amx::available()) {
      m->products_ = UseProducts::kAmxBf16;
    } else if (kernels::cpu::bf16::available()) {
      m->products_ = UseProducts::kAvx512Bf16;
    }
  }
  KB_ASSIGN_OR_RETURN(m->file_, SafetensorsFile::open(path));
  const SafetensorsFile& f = *m->file_;
  const int64_t V = c.embedding_rows, E = c.embedding_dim, C = c.ngram_dim, H = c.hidden_size, D = c.dnn_dim;
  const int64_t P = C * static_cast<int64_t>(c.ngram_orders.size()), F = c.feature_dim();

  KB_ASSIGN_OR_RETURN(m->codes_, f.view_u8("embeddings.codes", {V, E}));
  KB_ASSIGN_OR_RETURN(m->scale_, f.read_f32("embeddings.scale", {V}));
  KB_ASSIGN_OR_RETURN(m->offset_, f.read_f32("embeddings.offset", {V}));
  KB_RETURN_IF_ERROR(m->load_matrix("projection.weight", E, P, &m->proj_w_));
  KB_ASSIGN_OR_RETURN(m->proj_b_, f.read_f32("projection.bias", {P}));
  KB_ASSIGN_OR_RETURN(m->proj_gamma_, f.read_f32("projection.ln_gamma", {P}));
  KB_ASSIGN_OR_RETURN(m->proj_beta_, f.read_f32("projection.ln_beta", {P}));
  for (const NgramOrder& o : c.ngram_orders) {
    for (const Branch& b : m->branches_) {
      if (b.order.width == o.width) {
        return core::Status::invalid_argument(path + ": config.json lists n-gram width " + std::to_string(o.width) +
                                              " twice; tensors are named by width");
      }
    }
    Branch b;
    b.order = o;
    const std::string p = "ngram" + std::to_string(o.width);
    KB_ASSIGN_OR_RETURN(std::vector<float> w1, f.read_f32(p + ".conv1.weight", {o.width * C, C}));
    Matrix& blocks = b.w1_blocks;
    blocks.w.resize(w1.size());
    blocks.k = static_cast<int>(C);
    blocks.n = static_cast<int>(o.width * C);
    for (int64_t k = 0; k < o.width; ++k) {
      for (int64_t r = 0; r < C; ++r) {
        std::copy_n(w1.data() + (k * C + r) * C, C, blocks.w.data() + r * o.width * C + k * C);
      }
    }
    m->pack(&blocks);
    KB_ASSIGN_OR_RETURN(b.b1, f.read_f32(p + ".conv1.bias", {C}));
    KB_RETURN_IF_ERROR(m->load_matrix(p + ".conv2.weight", o.width * C, C, &b.w2));
    KB_ASSIGN_OR_RETURN(b.b2, f.read_f32(p + ".conv2.bias", {C}));
    m->branches_.push_back(std::move(b));
  }
  KB_ASSIGN_OR_RETURN(m->feat_gamma_, f.read_f32("features.ln_gamma", {F}));
  KB_ASSIGN_OR_RETURN(m->feat_beta_, f.read_f32("features.ln_beta", {F}));
  KB_RETURN_IF_ERROR(m->load_matrix("pooled.weight", F, H, &m->pool_w_));
  KB_ASSIGN_OR_RETURN(m->pool_b_, f.read_f32("pooled.bias", {H}));
  KB_RETURN_IF_ERROR(m->load_matrix("dnn.d0", H, D, &m->d0_, /*fp32_only=*/true));
  KB_RETURN_IF_ERROR(m->load_matrix("dnn.p1", H, D, &m->p1_, true));
  KB_RETURN_IF_ERROR(m->load_matrix("dnn.d1", D, D, &m->d1_, true));
  KB_RETURN_IF_ERROR(m->load_matrix("dnn.d2", D, H, &m->d2_, true));
  KB_RETURN_IF_ERROR(m->load_matrix("dnn.p3", D, H, &m->p3_, true));
  KB_RETURN_IF_ERROR(m->load_matrix("dnn.d3", H, H, &m->d3_, true));
  m->set_id_cache(kDefaultIdCache);
  kernels::configure_cpu_blas();
  return m;
}

void UseM3Model::set_id_cache(int capacity) {
  if (capacity <= 0) {
    id_cache_.reset();
    return;
  }
  int row = config_.ngram_dim * static_cast<int>(branches_.size());  // x
  for (const Branch& b : branches_) row += b.order.width * config_.ngram_dim;
  id_cache_ = std::make_unique<UsePerIdCache>(capacity, row);
}

void UseM3Model::embedding_row(int32_t id, float* row) const {
  const int E = config_.embedding_dim;
  const uint8_t* code = codes_ + static_cast<size_t>(id) * E;
  for (int j = 0; j < E; ++j) row[j] = static_cast<float>(code[j]) * scale_[id] + offset_[id];
}

void UseM3Model::per_id_rows(PerId& p, int begin, int end, int gemm_ways) const {
  const int n = end - begin, E = config_.embedding_dim, C = config_.ngram_dim;
  const int P = C * static_cast<int>(branches_.size());
  for (int u = begin; u < end; ++u) embedding_row(p.ids[u], p.emb.data() + static_cast<size_t>(u) * E);
  float* x = p.x.data() + static_cast<size_t>(begin) * P;
  matmul(n, p.emb.data() + static_cast<size_t>(begin) * E, E, proj_w_, x, P, false, gemm_ways);
  use_ops::add_bias_rows(x, n, P, P, proj_b_.data());
  use_ops::layer_norm_rows(x, n, P, P, proj_gamma_.data(), proj_beta_.data(), config_.layer_norm_eps);
  for (size_t i = 0; i < branches_.size(); ++i) {
    const int wc = branches_[i].order.width * C;
    matmul(n, x + i * C, P, branches_[i].w1_blocks, p.conv1[i].data() + static_cast<size_t>(begin) * wc, wc, false,
           gemm_ways);
  }
}

void UseM3Model::size_per_id(PerId& p) const {
  const size_t U = p.ids.size(), C = static_cast<size_t>(config_.ngram_dim);
  p.emb.resize(U * config_.embedding_dim);
  p.x.resize(U * C * branches_.size());
  p.conv1.resize(branches_.size());
  for (size_t i = 0; i < branches_.size(); ++i) p.conv1[i].resize(U * branches_[i].order.width * C);
}

void UseM3Model::copy_cache_row(PerId& p, int u, float* row, bool to_row) const {
  const size_t P = static_cast<size_t>(config_.ngram_dim) * branches_.size();
  const auto copy = [&](float* part, size_t n) {
    if (to_row) {
      std::copy_n(part, n, row);
    } else {
      std::copy_n(row, n, part);
    }
    row += n;
  };
  copy(p.x.data() + u * P, P);
  for (size_t i = 0; i < branches_.size(); ++i) {
    const size_t wc = static_cast<size_t>(branches_[i].order.width) * config_.ngram_dim;
    copy(p.conv1[i].data() + u * wc, wc);
  }
}

void UseM3Model::cached_per_id_rows(PerId& p, int ways) const {
  const int U = static_cast<int>(p.ids.size()), R = id_cache_->row_floats(), E = config_.embedding_dim;
  thread_local std::vector<float> rows;
  thread_local std::vector<uint8_t> found;
  thread_local PerId missed;
  rows.resize(static_cast<size_t>(U) * R);
  found.resize(U);
  const int hits = id_cache_->lookup(p.ids.data(), U, rows.data(), found.data());
  missed.ids.clear();
  for (int u = 0; u < U; ++u) {
    if (found[u] == 0) missed.ids.push_back(p.ids[u]);
  }
  if (!missed.ids.empty()) {
    size_per_id(missed);
    per_id_rows(missed, 0, U - hits, ways);
  }
  for (int u = 0, m = 0; u < U; ++u) {
    float* row = rows.data() + static_cast<size_t>(u) * R;
    if (found[u] != 0) {
      embedding_row(p.ids[u], p.emb.data() + static_cast<size_t>(u) * E);
    } else {
      std::copy_n(missed.emb.data() + static_cast<size_t>(m) * E, E, p.emb.data() + static_cast<size_t>(u) * E);
      copy_cache_row(missed, m++, row, /*to_row=*/true);
    }
    copy_cache_row(p, u, row, /*to_row=*/false);
  }
  if (missed.ids.empty()) return;
  // The computed rows, in missed order, for the cache.
  for (int u = 0, m = 0; u < U; ++u) {
    if (found[u] != 0) continue;
    if (m != u) std::copy_n(rows.data() + static_cast<size_t>(u) * R, R, rows.data() + static_cast<size_t>(m) * R);
    ++m;
  }
  id_cache_->insert(missed.ids.data(), U - hits, rows.data());
}

void UseM3Model::per_id_stage(const int32_t* ids, int num_tokens, int ways, PerId& p) const {
  p.ids.assign(ids, ids + num_tokens);
  std::sort(p.ids.begin(), p.ids.end());
  p.ids.erase(std::unique(p.ids.begin(), p.ids.end()), p.ids.end());
  const int U = static_cast<int>(p.ids.size());
  size_per_id(p);
  if (id_cache_ != nullptr && U <= kCachedGroupIds) return cached_per_id_rows(p, ways);
  // Split rows across threads when each gets a full-speed sgemm, else split columns.
  constexpr int kMinRowsPerPart = 64;
  const int parts = std::min(ways, U / kMinRowsPerPart);
  if (parts > 1) {
    run_parallel(parts, parts, [&](int k) { per_id_rows(p, U * k / parts, U * (k + 1) / parts, 1); });
  } else {
    per_id_rows(p, 0, U, ways);
  }
}

void UseM3Model::token_stage(const PerId& p, const int* row_of, const int* offsets, int num_seqs, int ways, float* sums,
                             Scratch& s) const {
  const int T = offsets[num_seqs] - offsets[0];
  const int E = config_.embedding_dim, C = config_.ngram_dim, F = config_.feature_dim();
  const int P = C * static_cast<int>(branches_.size());
  int max_width = 1;
  for (const Branch& b : branches_) max_width = std::max(max_width, b.order.width);
  s.feat.resize(static_cast<size_t>(T) * F);
  s.h.resize(static_cast<size_t>(T) * C);
  if (uses_bf16()) {
    s.h_bf16.resize(static_cast<size_t>(T) * C);
    s.windows_bf16.resize(static_cast<size_t>(use_amx::padded_rows(T)) * max_width * C);
  } else {
    s.windows.resize(static_cast<size_t>(T) * max_width * C);
  }
  s.offsets.resize(num_seqs + 1);
  for (int b = 0; b <= num_seqs; ++b) s.offsets[b] = offsets[b] - offsets[0];
  row_of += offsets[0];

  for (int t = 0; t < T; ++t) {
    std::copy_n(p.emb.data() + static_cast<size_t>(row_of[t]) * E, E, s.feat.data() + static_cast<size_t>(t) * F);
  }
  for (size_t i = 0; i < branches_.size(); ++i) {
    const Branch& br = branches_[i];
    const int wc = br.order.width * C;
    use_ops::ngram_first_layer(p.conv1[i].data(), wc, p.x.data() + i * C, P, row_of, s.offsets.data(), num_seqs,
                               br.order.width, br.order.left, C, br.b1.data(), s.h.data());
    float* out = s.feat.data() + E + i * C;
    if (uses_bf16()) {
      // Windows gathered in bf16: half the bytes to copy, converted once per row.
      kernels::cpu::bf16::to_bf16_rows(s.h.data(), T, C, C, s.h_bf16.data(), C);
      use_ops::gather_windows(s.h_bf16.data(), C, C, s.offsets.data(), num_seqs, br.order.width, br.order.left,
                              s.windows_bf16.data());
      matmul_bf16(T, s.windows_bf16.data(), wc, br.w2, out, F, false, ways);
    } else {
      use_ops::gather_windows(s.h.data(), C, C, s.offsets.data(), num_seqs, br.order.width, br.order.left,
                              s.windows.data());
      matmul(T, s.windows.data(), wc, br.w2, out, F, false, ways);
    }
    use_ops::bias_relu_residual_rows(out, F, s.h.data(), C, T, C, br.b2.data());
  }
  use_ops::layer_norm_rows(s.feat.data(), T, F, F, feat_gamma_.data(), feat_beta_.data(), config_.layer_norm_eps);

  use_ops::sum_rows_per_sequence(s.feat.data(), F, F, s.offsets.data(), num_seqs, sums);
}

void UseM3Model::sentence_stage(const float* sums, const int* lengths, int n, int ways, float* out) const {
  const int F = config_.feature_dim(), H = config_.hidden_size, D = config_.dnn_dim;
  std::vector<float> m(static_cast<size_t>(n) * H), y0(static_cast<size_t>(n) * D), y1(static_cast<size_t>(n) * D),
      y2(static_cast<size_t>(n) * H);
  matmul(n, sums, F, pool_w_, m.data(), H, false, ways);
  for (int b = 0; b < n; ++b) {
    const float len = static_cast<float>(lengths[b]);
    const float inv_sqrt = 1.0f / std::sqrt(len);
    float* row = m.data() + static_cast<size_t>(b) * H;
    for (int j = 0; j < H; ++j) row[j] = (row[j] + len * pool_b_[j]) * inv_sqrt;
  }
  const auto relu = [](std::vector<float>& v) {
    for (float& x : v) x = std::max(x, 0.0f);
  };
  matmul_fp32(n, m.data(), H, d0_, y0.data(), D, false, ways);
  relu(y0);
  matmul_fp32(n, m.data(), H, p1_, y1.data(), D, false, ways);
  matmul_fp32(n, y0.data(), D, d1_, y1.data(), D, true, ways);
  relu(y1);
  matmul_fp32(n, y1.data(), D, d2_, y2.data(), H, false, ways);
  relu(y2);
  matmul_fp32(n, y1.data(), D, p3_, out, H, false, ways);
  matmul_fp32(n, y2.data(), H, d3_, out, H, true, ways);
  for (int b = 0; b < n; ++b) {
    float* z = out + static_cast<size_t>(b) * H;
    double sq = 0;
    for (int j = 0; j < H; ++j) {
      z[j] = std::tanh(z[j]);
      sq += static_cast<double>(z[j]) * z[j];
    }
    const float inv = 1.0f / std::sqrt(std::max(static_cast<float>(sq), config_.layer_norm_eps));
    for (int j = 0; j < H; ++j) z[j] *= inv;
  }
}

core::Status UseM3Model::forward(const int32_t* ids, const int* offsets, int num_seqs, int ways, float* out) const {
  std::vector<int> lengths(num_seqs);
  for (int b = 0; b < num_seqs; ++b) {
    lengths[b] = offsets[b + 1] - offsets[b];
    if (lengths[b] <= 0) return core::Status::invalid_argument("sequence " + std::to_string(b) + " is empty");
    for (int t = offsets[b]; t < offsets[b + 1]; ++t) {
      if (ids[t] < 0 || ids[t] >= config_.embedding_rows) {
        return core::Status::invalid_argument("sequence " + std::to_string(b) + ": token id " + std::to_string(ids[t]) +
                                              " outside the embedding table of " +
                                              std::to_string(config_.embedding_rows));
      }
    }
  }
  const int F = config_.feature_dim();
  std::vector<float> sums(static_cast<size_t>(num_seqs) * F);
  PerId per_id;
  std::vector<int> row_of;
  // Greedy runs of whole sequences up to `limit` tokens (a longer sequence alone).
  const auto split = [&](int first, int end, int limit) {
    std::vector<int> starts{first};
    for (int b = first + 1; b < end; ++b) {
      if (offsets[b + 1] - offsets[starts.back()] > limit) starts.push_back(b);
    }
    starts.push_back(end);
    return starts;
  };
  const std::vector<int> groups = split(0, num_seqs, kGroupTokens);
  for (size_t g = 0; g + 1 < groups.size(); ++g) {
    const int first = groups[g], end = groups[g + 1];
    const int base = offsets[first], num_tokens = offsets[end] - base;
    per_id_stage(ids + base, num_tokens, ways, per_id);
    row_of.resize(offsets[num_seqs]);
    for (int t = base; t < base + num_tokens; ++t) {
      row_of[t] = static_cast<int>(std::lower_bound(per_id.ids.begin(), per_id.ids.end(), ids[t]) - per_id.ids.begin());
    }
    // Chunks small enough that every thread gets one, large enough for sgemm.
    const int per_thread = (num_tokens + ways - 1) / ways;
    const std::vector<int> chunks = split(first, end, std::max(64, std::min(kChunkTokens, per_thread)));
    const int num_chunks = static_cast<int>(chunks.size()) - 1;
    const int gemm_ways = num_chunks > 1 ? 1 : ways;
    run_parallel(num_chunks, ways, [&](int c) {
      thread_local Scratch scratch;
      token_stage(per_id, row_of.data(), offsets + chunks[c], chunks[c + 1] - chunks[c], gemm_ways,
                  sums.data() + static_cast<size_t>(chunks[c]) * F, scratch);
    });
  }
  sentence_stage(sums.data(), lengths.data(), num_seqs, ways, out);
  return core::Status::ok();
}

}  // namespace kbseek::encoder
