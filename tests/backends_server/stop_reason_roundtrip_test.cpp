// The matched stop string crosses HTTP both ways: braid serve writes it as `stop_reason`, and the
// OpenAI client reads it back into Completion::stop_sequence, streamed and not.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "backends/openai/curl_multi_asio.hpp"
#include "backends/openai/openai_backend.hpp"
#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "tests/backends_server/test_client.hpp"

using namespace braid;
using backends::CompletionRequest;
using backends::ScriptedBackend;

TEST_CASE("the OpenAI client reads the stop string braid serve reports", "[server][openai]") {
    auto model = ScriptedBackend::instant("<Path>\n1: 3*4=12</Path>\nnot sent");
    test::ServerFixture server(*model);
    for (bool stream : {false, true}) {
        INFO("stream " << stream);
        asio::io_context io;
        backends::openai::CurlMultiAsio http(io.get_executor());
        backends::openai::OpenAIOptions options;
        options.base_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1";
        options.model = "braid-test";
        options.stream = stream;
        backends::openai::OpenAIBackend client(http, options);
        CompletionRequest request;
        request.prompt = "<Goal>";
        request.sampling.max_tokens = 64;
        request.sampling.stop = {"</Outline>", "</Path>"};
        auto done = async::run_sync(io, client.complete(request, nullptr));
        REQUIRE(done.has_value());
        CHECK(done->text == "<Path>\n1: 3*4=12");
        CHECK(done->finish_reason == "stop");
        CHECK(done->stop_sequence == "</Path>");
    }
}
