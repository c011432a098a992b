# Warnings live on one interface target that every braid library links privately.
add_library(braid_warnings INTERFACE)
target_compile_options(braid_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wpedantic)
# GCC 12 reports a false "mismatched new/delete" on Asio's recycling coroutine-frame allocator
# (awaitable_frame_base::operator new/delete are a matching pair); silence that one check.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(braid_warnings INTERFACE -Wno-mismatched-new-delete)
endif()
if(BRAID_WERROR)
  target_compile_options(braid_warnings INTERFACE -Werror)
endif()

# braid_layer(NAME SOURCES... LINKS layers...) declares one layer library.
function(braid_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINKS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_LINKS} PRIVATE braid_warnings)
endfunction()

# braid_layer_glob(NAME DIR LINKS...) declares a layer library from every .cpp under DIR
# (recursively; fuzz targets excluded). New files join the build without editing CMake.
function(braid_layer_glob name)
  cmake_parse_arguments(ARG "" "" "LINKS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/fuzz/|_fuzz\\.cpp$|/main\\.cpp$")
  braid_layer(${name} SOURCES ${srcs} LINKS ${ARG_LINKS})
endfunction()
