#include "kernels/reference.h"

#include <algorithm>
#include <cmath>

namespace npulab::kernels::ref {

double gemm_element(const std::vector<float>& a, const std::vector<float>& b, uint64_t M, uint64_t N, uint64_t K,
                    bool a_km, uint64_t m, uint64_t n, double* sum_abs) {
  double s = 0, sa = 0;
  for (uint64_t k = 0; k < K; ++k) {
    const double p = double(a_km ? a[k * M + m] : a[m * K + k]) * double(b[k * N + n]);
    s += p;
    sa += std::fabs(p);
  }
  if (sum_abs) *sum_abs = sa;
  return s;
}

std::vector<double> softmax(const std::vector<float>& x, uint64_t rows, uint64_t cols) {
  std::vector<double> y(x.size());
  for (uint64_t r = 0; r < rows; ++r) {
    const float* xr = &x[r * cols];
    double mx = -INFINITY, sum = 0;
    for (uint64_t c = 0; c < cols; ++c) mx = std::max(mx, double(xr[c]));
    for (uint64_t c = 0; c < cols; ++c) sum += (y[r * cols + c] = std::exp(double(xr[c]) - mx));
    for (uint64_t c = 0; c < cols; ++c) y[r * cols + c] /= sum;
  }
  return y;
}

std::vector<double> rmsnorm(const std::vector<float>& x, const std::vector<float>& g, uint64_t rows, uint64_t cols,
                            double eps) {
  std::vector<double> y(x.size());
  for (uint64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (uint64_t c = 0; c < cols; ++c) ss += double(x[r * cols + c]) * x[r * cols + c];
    const double rs = 1.0 / std::sqrt(ss / double(cols) + eps);
    for (uint64_t c = 0; c < cols; ++c) y[r * cols + c] = double(x[r * cols + c]) * rs * g[c];
  }
  return y;
}

std::vector<double> layernorm(const std::vector<float>& x, const std::vector<float>& g, const std::vector<float>& bta,
                              uint64_t rows, uint64_t cols, double eps) {
  std::vector<double> y(x.size());
  for (uint64_t r = 0; r < rows; ++r) {
    double mu = 0, var = 0;
    for (uint64_t c = 0; c < cols; ++c) mu += x[r * cols + c];
    mu /= double(cols);
    for (uint64_t c = 0; c < cols; ++c) var += (x[r * cols + c] - mu) * (x[r * cols + c] - mu);
    const double rs = 1.0 / std::sqrt(var / double(cols) + eps);
    for (uint64_t c = 0; c < cols; ++c) y[r * cols + c] = (x[r * cols + c] - mu) * rs * g[c] + bta[c];
  }
  return y;
}

double act(isa::ActFunc f, double x) {
  using F = isa::ActFunc;
  switch (f) {
    case F::identity: return x;
    case F::exp: return std::exp(x);
    case F::log: return std::log(x);
    case F::tanh: return std::tanh(x);
    case F::sigmoid: return 1.0 / (1.0 + std::exp(-x));
    case F::relu: return x > 0 ? x : 0;
    case F::gelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case F::gelu_tanh: return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case F::silu: return x / (1.0 + std::exp(-x));
    case F::rsqrt: return 1.0 / std::sqrt(x);
    case F::sqrt: return std::sqrt(x);
    case F::reciprocal: return 1.0 / x;
    case F::square: return x * x;
    case F::sin: return std::sin(x);
    case F::cos: return std::cos(x);
    case F::abs: return std::fabs(x);
    case F::sign: return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    default: return NAN;
  }
}

void Compare::add(double got, double want, double tol) {
  ++checked;
  const double err = std::fabs(got - want);
  if (!(err <= tol)) ++bad;
  if (std::isnan(err)) {
    max_abs = INFINITY;
    return;
  }
  max_abs = std::max(max_abs, err);
  if (want != 0) max_rel = std::max(max_rel, err / std::fabs(want));
}

std::vector<float> collective(isa::Opcode op, isa::AluOp alu, DType t, const std::vector<std::vector<float>>& x,
                              uint32_t rank) {
  const size_t n = x.size(), E = x.empty() ? 0 : x[0].size();
  auto fold = [&](float a, float b) {
    if (alu == isa::AluOp::add) return a + b;
    return alu == isa::AluOp::max ? std::max(a, b) : std::min(a, b);
  };
  std::vector<float> out;
  switch (op) {
    case isa::Opcode::all_reduce:
    case isa::Opcode::reduce_scatter: {
      std::vector<float> acc = x[0];
      for (size_t j = 1; j < n; ++j)
        for (size_t i = 0; i < E; ++i) acc[i] = fold(acc[i], x[j][i]);
      if (op == isa::Opcode::all_reduce) out = acc;
      else out.assign(acc.begin() + long(rank * E / n), acc.begin() + long((rank + 1) * E / n));
      break;
    }
    case isa::Opcode::all_gather:
      for (size_t j = 0; j < n; ++j) out.insert(out.end(), x[j].begin(), x[j].end());
      break;
    case isa::Opcode::all_to_all:
      for (size_t j = 0; j < n; ++j)
        out.insert(out.end(), x[j].begin() + long(rank * E / n), x[j].begin() + long((rank + 1) * E / n));
      break;
    default: break;
  }
  for (float& v : out) v = round_to(t, v);
  return out;
}

std::vector<double> mamba(const std::vector<float>& delta, const std::vector<float>& u, const std::vector<float>& A,
                          const std::vector<float>& B, const std::vector<float>& C, uint64_t batch, uint64_t channels,
                          uint64_t seq, uint64_t state) {
  std::vector<double> out(batch * channels * seq, 0.0);
  for (uint64_t b = 0; b < batch; ++b)
    for (uint64_t c = 0; c < channels; ++c)
      for (uint64_t s = 0; s < state; ++s) {
        double h = 0;
        const uint64_t row = (b * channels + c) * seq, bc = (b * state + s) * seq;
        for (uint64_t t = 0; t < seq; ++t) {
          const double d = delta[row + t];
          h = std::exp(d * A[c * state + s]) * h + d * u[row + t] * B[bc + t];
          out[row + t] += C[bc + t] * h;
        }
      }
  return out;
}

}  // namespace npulab::kernels::ref
