// libFuzzer entry point for the GGUF reader and everything that reads a parsed file: the
// model config, the tokenizer spec and the full weight load (dequantization, Q/K un-permute).
//
// The input is a whole GGUF file. Checks: no crash, no sanitizer report, no exception; a parsed
// file's tensor spans lie inside the input; a loaded model's tensors have the shapes its config
// implies; errors carry a message.
//
// Build (clang): cmake --build build --target fuzz_gguf_parser
// Run:           build/backends/gguf_fuzz -max_total_time=60 CORPUS_DIR

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "backends/local/gguf/gguf_reader.hpp"
#include "backends/local/model/gguf_model_config.hpp"
#include "backends/local/model/gguf_tokenizer_spec.hpp"
#include "backends/local/model/model_loader.hpp"

using namespace braid::backends::local;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> input(data, size);
    auto file = GgufFile::parse(input);
    if (!file) {
        check(!file.error().message.empty());
        return 0;
    }
    for (const auto& info : file->tensors()) {
        auto bytes = file->tensor_data(info);
        check(bytes.size() == info.n_bytes);
        check(bytes.empty() ||
              (bytes.data() >= data && bytes.data() + bytes.size() <= data + size));
    }
    auto config = config_from_gguf(*file);
    auto tokenizer = tokenizer_from_gguf(*file);
    if (tokenizer && *tokenizer) check(!(*tokenizer)->tokens.empty());
    auto model = load_gguf_model(*file);
    if (model) {
        check(config.has_value());
        const ModelWeights& w = model->weights;
        check(w.token_embedding.rows == static_cast<std::size_t>(w.config.vocab_size));
        check(w.layers.size() == static_cast<std::size_t>(w.config.n_layers));
        for (const auto& layer : w.layers)
            check(layer.wq.rows == static_cast<std::size_t>(w.config.n_heads * w.config.head_dim));
    } else {
        check(!model.error().message.empty());
    }
    return 0;
}
