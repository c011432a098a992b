#include <catch2/catch.hpp>

#include "planner/multiverse/multiverse_format.hpp"

using namespace braid;
namespace mv = braid::planner::multiverse;

TEST_CASE("Outline ids follow the engine's regex, in order", "[planner][multiverse]") {
    auto ids = mv::goal_outline_ids(
        "text\n<Parallel>\n<Goal>\n<Outline>\n1: a\n</Outline>\n<Outline>  2.10 :b\n</Outline>\n"
        "<Outline>\nno id here\n</Outline>\n<Outline>\n3.: bad\n</Outline>\n<Outline>\n1.2.3: "
        "deep\n</Outline>\n");
    REQUIRE(ids.has_value());
    REQUIRE(*ids == std::vector<std::string>{"1", "2.10", "1.2.3"});
}

TEST_CASE("Only the open goal's outlines count", "[planner][multiverse]") {
    auto ids = mv::goal_outline_ids(
        "<Parallel>\n<Goal>\n<Outline>\n1: old\n</Outline>\n</Goal>\n<Path>\n1: "
        "x\n</Path>\n<Conclusion>\nc\n"
        "</Conclusion>\n</Parallel>\n<Parallel>\n<Goal>\n<Outline>\n1: new\n</Outline>\n");
    REQUIRE(ids.has_value());
    REQUIRE(*ids == std::vector<std::string>{"1"});
}

TEST_CASE("Malformed goals are errors naming the fault", "[planner][multiverse]") {
    auto none = mv::goal_outline_ids("<Parallel>\n<Goal>\nnothing\n");
    REQUIRE_FALSE(none.has_value());
    REQUIRE(none.error().code == ErrorCode::parse);
    REQUIRE(none.error().message.find("no outline") != std::string::npos);
    auto dup =
        mv::goal_outline_ids("<Parallel><Goal><Outline>1: a</Outline><Outline> 1 : b</Outline>");
    REQUIRE(dup.error().message == "duplicate outline id '1'");
    REQUIRE(mv::goal_outline_ids("<Goal><Outline>1: a</Outline>")
                .error()
                .message.find("outside a <Parallel>") != std::string::npos);
    REQUIRE(mv::goal_outline_ids("<Parallel>\n").error().message.find("no open <Goal>") !=
            std::string::npos);
}

TEST_CASE("open_tags reads nesting in document order", "[planner][multiverse]") {
    auto open = mv::open_tags("<Parallel><Goal></Goal><Path>1: <b>x</b> a<c</Path><Conclusion>");
    REQUIRE(open.has_value());
    REQUIRE(*open == std::vector<std::string>{"Parallel", "Conclusion"});
    REQUIRE(mv::open_tags("<Parallel><Path></Parallel>").error().message ==
            "unbalanced tags: </Parallel> closes <Path>");
    REQUIRE(mv::open_tags("</Path>").error().message ==
            "unbalanced tags: </Path> with no open tag");
    REQUIRE(mv::open_tags("").value().empty());
    REQUIRE(mv::path_start("1.2") == "<Path>\n1.2:");
}
