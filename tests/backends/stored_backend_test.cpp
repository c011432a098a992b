#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>

#include "backends/stored/stored_backend.hpp"
#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace braid;
using namespace braid::backends;

TEST_CASE("a replayed completion reports the stop string that ended the recorded one",
          "[backends][replay]") {
    test::TempDir dir;
    auto store = store::Store::open(dir.file("replay.db"));
    asio::thread_pool pool(1);
    asio::io_context io;
    // Scripted model: its reply runs past the stop string, which stream_text cuts and reports.
    auto model = ScriptedBackend::instant("<Path>\n1: try 3*4</Path> never seen");
    CompletionRequest request;
    request.prompt = "<Goal>";
    request.sampling.stop = {"</Outline>", "</Path>"};

    StoredBackend recording(*store, pool, model.get());
    auto live = async::run_sync(io, recording.complete(request, nullptr));
    REQUIRE(live.has_value());
    CHECK(live->text == "<Path>\n1: try 3*4");
    CHECK(live->stop_sequence == "</Path>");
    CHECK_FALSE(live->from_store);

    StoredBackend replay(*store, pool, nullptr);
    auto again = async::run_sync(io, replay.complete(request, nullptr));
    REQUIRE(again.has_value());
    CHECK(again->from_store);
    CHECK(again->text == live->text);
    CHECK(again->finish_reason == "stop");
    CHECK(again->stop_sequence == "</Path>");
    CHECK(model->calls() == 1);
}
