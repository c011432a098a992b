# libFuzzer targets, built only on demand (`cmake --build build --target fuzz_NAME`, or
# scripts/fuzz) and only when clang is present. They call clang++ directly: clang 14 cannot build
# the whole project (Asio coroutines), and the fuzzed code needs none of it. Each layer defines
# its targets in its own CMakeLists.txt, inside `if(BRAID_CLANGXX)`, harness in a `fuzz/` folder
# beside the parser (layer globs skip `fuzz/`).
find_program(BRAID_CLANGXX NAMES clang++ clang++-19 clang++-18 clang++-17 clang++-16 clang++-15 clang++-14)
if(BRAID_CLANGXX)
  # Every target at once, in parallel (`cmake --build build --target fuzz_all -j`): a list of
  # targets on the command line is built one after another.
  add_custom_target(fuzz_all)
endif()

# braid_fuzz_target(NAME BINARY SOURCE...): target fuzz_NAME builds ${CMAKE_CURRENT_BINARY_DIR}/BINARY
# from SOURCEs (relative to the calling folder, or absolute) with ASan, UBSan and libFuzzer.
function(braid_fuzz_target name binary)
  set(srcs)
  foreach(src IN LISTS ARGN)
    if(NOT IS_ABSOLUTE ${src})
      set(src ${CMAKE_CURRENT_SOURCE_DIR}/${src})
    endif()
    list(APPEND srcs ${src})
  endforeach()
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/${binary})
  add_custom_command(OUTPUT ${bin}
    COMMAND ${BRAID_CLANGXX} -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -DASIO_STANDALONE -DASIO_HAS_CO_AWAIT=1
            -I${PROJECT_SOURCE_DIR} -idirafter ${ASIO_INCLUDE_DIR}
            "-idirafter$<JOIN:$<TARGET_PROPERTY:nlohmann_json::nlohmann_json,INTERFACE_INCLUDE_DIRECTORIES>,;-idirafter>"
            ${srcs} -o ${bin}
    DEPENDS ${srcs} COMMAND_EXPAND_LISTS VERBATIM)
  add_custom_target(fuzz_${name} DEPENDS ${bin})
  add_dependencies(fuzz_all fuzz_${name})
endfunction()
