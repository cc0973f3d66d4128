# One CMake library per module (DESIGN.md §3). Each module's headers are reachable only through a
# per-module include root (build/modinc/<module>/<module> -> src/<module>), so a module that
# includes a header of a module it does not link fails to compile.
#
#   inferbench_module(NAME core SOURCES a.cc b.cc DEPS fmt::fmt PRIVATE_DEPS ... TESTS a_test.cc)
#
# Every module's TESTS go into the one unit-test binary `inferbench_unit` (ctest label `unit`);
# `<module>_unit` (not built by default) holds just that module's tests, for quick iteration.
function(inferbench_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS;TESTS" ${ARGN})
  set(inc_root ${CMAKE_BINARY_DIR}/modinc/${M_NAME})
  file(MAKE_DIRECTORY ${inc_root})
  if(NOT EXISTS ${inc_root}/${M_NAME})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${inc_root}/${M_NAME} SYMBOLIC)
  endif()
  if(M_SOURCES)
    add_library(ib_${M_NAME} STATIC ${M_SOURCES})
    target_include_directories(ib_${M_NAME} PUBLIC ${inc_root})
    target_link_libraries(ib_${M_NAME} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  else()
    add_library(ib_${M_NAME} INTERFACE)
    target_include_directories(ib_${M_NAME} INTERFACE ${inc_root})
    target_link_libraries(ib_${M_NAME} INTERFACE ${M_DEPS})
  endif()
  if(M_TESTS)
    add_executable(${M_NAME}_unit EXCLUDE_FROM_ALL ${M_TESTS})
    target_link_libraries(${M_NAME}_unit PRIVATE ib_${M_NAME} GTest::gtest GTest::gmock GTest::gtest_main)
    target_compile_definitions(${M_NAME}_unit PRIVATE INFERBENCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    foreach(t ${M_TESTS})
      set_property(GLOBAL APPEND PROPERTY INFERBENCH_UNIT_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/${t})
    endforeach()
    set_property(GLOBAL APPEND PROPERTY INFERBENCH_TESTED_MODULES ib_${M_NAME})
  endif()
endfunction()
