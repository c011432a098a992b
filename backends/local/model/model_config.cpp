#include "backends/local/model/model_config.hpp"

namespace braid::backends::local {

const char* family_name(ModelFamily family) {
    switch (family) {
    case ModelFamily::llama: return "llama";
    case ModelFamily::qwen2: return "qwen2";
    }
    return "unknown";
}

}  // namespace braid::backends::local
