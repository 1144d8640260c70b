// RTNeural's compile-time GRU / LSTM models streamed one sample at a time (median of 15 runs of
// 48,000 steps from the zero state), with weights every implementation can compute exactly
// (multiples of 2^-24 in [-s/2, s/2)); nnet's `cargo bench -p nnet-benches --bench recurrent --
// rtneural` computes the same weights and inputs, compares its outputs with the ones written
// here and times itself the same way (BENCHMARKS.md, "Recurrent streaming against RTNeural").
//
// Not part of the build. With RTNeural's public repository checked out at $RTN (header only,
// its vendored Eigen):
//   g++ -O3 -std=c++17 -DRTNEURAL_USE_EIGEN=1 -DRTNEURAL_DEFAULT_ALIGNMENT=16 \
//       -I$RTN -I$RTN/modules/Eigen -I$RTN/modules/json rtneural_rnn_bench.cpp -o rnn_O3
//   g++ -O3 -march=native -std=c++17 -DRTNEURAL_USE_EIGEN=1 -DRTNEURAL_DEFAULT_ALIGNMENT=32 \
//       -I$RTN -I$RTN/modules/Eigen -I$RTN/modules/json rtneural_rnn_bench.cpp -o rnn_native
//   RTNEURAL_OUT=out_O3 ./rnn_O3   # writes out_O3/rtn_<name>.f32
#include <RTNeural/RTNeural.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static const int STEPS = 48000;
static const int CHUNK = 1000;

// Weight n of tensor `tensor`: a hash of (tensor, n) mapped to [-scale/2, scale/2).
static float weight(uint32_t tensor, uint32_t n, float scale) {
    uint32_t h = n * 2654435761u + tensor * 0x9E3779B9u + 12345u;
    h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
    float unit = (float)(h >> 8) / 16777216.0f; // exact
    return (unit - 0.5f) * scale;                // exact for scale a power of two
}

static float input(int t) {
    return (float)(0.6 * std::sin(0.011 * (double)t) * std::cos(0.0007 * (double)t));
}

// Scale of the recurrent kernel: 1 for up to 8 units, 0.5 for 16, 0.25 for 40.
static float recurrent_scale(int units) { return units <= 8 ? 1.0f : (units <= 16 ? 0.5f : 0.25f); }

template <int U, bool LSTM>
static void run(const char* name, const char* outdir) {
    const int G = LSTM ? 4 : 3;
    std::vector<std::vector<float>> w(1, std::vector<float>(G * U));
    for (int k = 0; k < G * U; ++k) w[0][k] = weight(0, k, 1.0f);
    std::vector<std::vector<float>> u(U, std::vector<float>(G * U));
    for (int i = 0; i < U; ++i)
        for (int k = 0; k < G * U; ++k) u[i][k] = weight(1, i * G * U + k, recurrent_scale(U));
    std::vector<std::vector<float>> dense_w(1, std::vector<float>(U));
    for (int k = 0; k < U; ++k) dense_w[0][k] = weight(3, k, 1.0f);
    float dense_b = weight(4, 0, 0.25f);

    using Rec = typename std::conditional<LSTM, RTNeural::LSTMLayerT<float, 1, U>, RTNeural::GRULayerT<float, 1, U>>::type;
    RTNeural::ModelT<float, 1, 1, Rec, RTNeural::DenseT<float, U, 1>> model;
    auto& rec = model.template get<0>();
    rec.setWVals(w);
    rec.setUVals(u);
    if constexpr (LSTM) {
        std::vector<float> b(G * U);
        for (int k = 0; k < G * U; ++k) b[k] = weight(2, k, 0.25f);
        rec.setBVals(b);
    } else {
        std::vector<std::vector<float>> b(2, std::vector<float>(G * U));
        for (int r = 0; r < 2; ++r)
            for (int k = 0; k < G * U; ++k) b[r][k] = weight(2, r * G * U + k, 0.25f);
        rec.setBVals(b);
    }
    auto& dense = model.template get<1>();
    dense.setWeights(dense_w);
    dense.setBias(&dense_b);

    std::vector<float> xs(STEPS), ys(STEPS);
    for (int t = 0; t < STEPS; ++t) xs[t] = input(t);

    model.reset();
    for (int t = 0; t < STEPS; ++t) ys[t] = model.forward(&xs[t]);
    std::string path = std::string(outdir) + "/rtn_" + name + ".f32";
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(ys.data(), sizeof(float), STEPS, f);
        std::fclose(f);
    }

    std::vector<double> times;
    // The fastest stretch of CHUNK steps over all runs: on a busy machine a whole run of
    // 48,000 steps is rarely left alone, a stretch of 1,000 often is.
    double fastest = 1e300;
    volatile float sink = 0.0f;
    for (int run = 0; run < 15; ++run) {
        model.reset();
        auto start = std::chrono::steady_clock::now();
        auto stretch = start;
        float s = 0.0f;
        for (int t = 0; t < STEPS; ++t) {
            s += model.forward(&xs[t]);
            if ((t + 1) % CHUNK == 0) {
                auto now = std::chrono::steady_clock::now();
                fastest = std::min(fastest, std::chrono::duration<double, std::nano>(now - stretch).count() / CHUNK);
                stretch = now;
            }
        }
        auto end = std::chrono::steady_clock::now();
        sink = sink + s;
        times.push_back(std::chrono::duration<double, std::nano>(end - start).count() / STEPS);
    }
    std::sort(times.begin(), times.end());
    std::printf("%s: RTNeural %.2f ns a step (median of 15 runs of %d steps; min %.2f, max %.2f)\n",
                name, times[7], STEPS, times[0], times[14]);
    std::printf("%s: RTNeural fastest %d-step stretch %.2f ns a step\n", name, CHUNK, fastest);
}

int main() {
    const char* outdir = std::getenv("RTNEURAL_OUT") ? std::getenv("RTNEURAL_OUT") : "/tmp";
    run<4, false>("gru4", outdir);
    run<8, false>("gru8", outdir);
    run<16, true>("lstm16", outdir);
    run<40, true>("lstm40", outdir);
    return 0;
}
