// workers::agent: the tool-call parser and the <tool_response> blocks.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "workers/agent/agent.hpp"
#include "workers/agent/agent_protocol.hpp"

using namespace braid::workers::agent;

TEST_CASE("The parser reads every tool call of a turn, in order, with text around them", "[workers][agent]") {
    ParsedTurn t = parse_tool_calls(
        "I will look first.\n<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.py\"}}\n</tool_call>\n"
        "and search too\n<tool_call>{\"name\": \"search\", \"arguments\": {\"pattern\": \"def \"}}</tool_call>\nthanks");
    REQUIRE(t.calls.size() == 2);
    CHECK(t.errors.empty());
    CHECK(t.calls[0].name == "read_file");
    CHECK(t.calls[0].arguments == nlohmann::json{{"path", "a.py"}});
    CHECK(t.calls[1].name == "search");
    CHECK(t.calls[1].arguments["pattern"] == "def ");
}

TEST_CASE("The parser records bad blocks with why and keeps the good ones", "[workers][agent]") {
    ParsedTurn t = parse_tool_calls(
        "<tool_call>{\"name\": \"shell\", \"arguments\": {\"command\": \"ls\"</tool_call>"  // bad JSON
        "<tool_call>{\"arguments\": {}}</tool_call>"                                        // no name
        "<tool_call>{\"name\": \"submit\"}</tool_call>"                                      // no arguments: {}
        "<tool_call>{\"name\": \"edit\", \"arguments\": [1]}</tool_call>");                  // arguments not an object
    REQUIRE(t.calls.size() == 1);
    CHECK(t.calls[0].name == "submit");
    CHECK(t.calls[0].arguments == nlohmann::json::object());
    REQUIRE(t.errors.size() == 3);
    CHECK(t.errors[0].find("tool call 0: not valid JSON") == 0);
    CHECK(t.errors[1].find("tool call 1: no \"name\"") == 0);
    CHECK(t.errors[2].find("tool call 3: \"arguments\" is not a JSON object") == 0);
}

TEST_CASE("An unterminated last block still counts as a call", "[workers][agent]") {
    ParsedTurn t = parse_tool_calls("ok\n<tool_call>\n{\"name\": \"shell\", \"arguments\": {\"command\": \"ls\"}}\n");
    REQUIRE(t.calls.size() == 1);
    CHECK(t.calls[0].arguments["command"] == "ls");
    // A block opened again before it closes is cut at the next opening tag.
    ParsedTurn two = parse_tool_calls("<tool_call>{\"name\": \"a\"}\n<tool_call>{\"name\": \"b\"}</tool_call>");
    REQUIRE(two.calls.size() == 2);
    CHECK(two.calls[1].name == "b");
    ParsedTurn cut = parse_tool_calls("<tool_call>{\"name\": \"shell\", \"argu");
    CHECK(cut.calls.empty());
    REQUIRE(cut.errors.size() == 1);
    CHECK(cut.errors[0].find("no closing") != std::string::npos);
}

TEST_CASE("Arguments given as a JSON string are read as the object they hold", "[workers][agent]") {
    ParsedTurn t = parse_tool_calls("<tool_call>{\"name\": \"shell\", \"arguments\": \"{\\\"command\\\": \\\"ls\\\"}\"}</tool_call>");
    REQUIRE(t.calls.size() == 1);
    CHECK(t.calls[0].arguments["command"] == "ls");
    CHECK(parse_tool_calls("no calls at all").calls.empty());
    CHECK(parse_tool_calls("no calls at all").errors.empty());
}

TEST_CASE("A response block is JSON between tags, its content clipped to head and tail", "[workers][agent]") {
    std::string content = std::string(100, 'a') + std::string(100, 'b');
    std::string block = response_block("shell", true, content, 40);
    REQUIRE(block.rfind("<tool_response>\n", 0) == 0);
    REQUIRE(block.size() > 18);
    CHECK(block.substr(block.size() - 18) == "\n</tool_response>\n");
    auto body = nlohmann::json::parse(block.substr(16, block.size() - 16 - 18));
    CHECK(body["name"] == "shell");
    CHECK(body["ok"] == true);
    std::string shown = body["content"];
    CHECK(shown.rfind(std::string(20, 'a'), 0) == 0);
    CHECK(shown.find("160 characters left out") != std::string::npos);
    CHECK(shown.substr(shown.size() - 20) == std::string(20, 'b'));
    CHECK(clip_middle("short", 40) == "short");
    // Invalid UTF-8 from a command's output does not throw.
    CHECK_NOTHROW(response_block("shell", false, "\xff\xfe", 40));
}

TEST_CASE("The prompt lists the tools, the call format and the problem, the test request only when asked", "[workers][agent]") {
    std::string p = agent_prompt("Division by zero crashes.", false);
    for (const char* tool : {"shell", "read_file", "search", "edit", "apply_patch", "run_tests", "submit"})
        CHECK(p.find(std::string("- ") + tool + " {") != std::string::npos);
    CHECK(p.find("<tool_call>") != std::string::npos);
    CHECK(p.find("<issue>\nDivision by zero crashes.\n</issue>") != std::string::npos);
    CHECK(p.find("reproduces") == std::string::npos);
    CHECK(agent_prompt("x", true).find("reproduces the issue") != std::string::npos);
}
