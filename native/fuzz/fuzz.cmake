# Fuzz targets of the parsers that read bytes from disk (included by the top CMakeLists.txt).
#
#   TL_FUZZ=ON (clang only): every target as a libFuzzer binary, <name>_fuzz, built with
#     -fsanitize=fuzzer,address,undefined; tl_core is compiled with the same instrumentation.
#     scripts/fuzz.sh (npm run fuzz) configures build-fuzz/ this way and runs them.
#   TL_CORE_TESTS=ON (any compiler): every target also as <name>_replay (the target + a main()
#     that feeds it files, native/fuzz/replay_main.cc), and a ctest test fuzz_replay_<name>
#     that replays native/fuzz/corpus/<name>/ and native/fuzz/regressions/<name>/; under
#     scripts/native-tests.sh that runs with ASan + UBSan + LSan.
#
# Adding a target is one line below: tl_add_fuzzer(<name> native/fuzz/<name>_fuzz.cc), plus
# seeds in native/fuzz/corpus/<name>/ (the replay test fails on an empty corpus), an empty
# native/fuzz/regressions/<name>/.gitkeep, and optionally a libFuzzer dictionary
# native/fuzz/<name>.dict that scripts/fuzz.sh passes when it exists.

option(TL_FUZZ "Build the libFuzzer targets (needs clang and its libFuzzer runtime)" OFF)

if(TL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "tensorloader: TL_FUZZ=ON needs clang (configure with -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  # The core gets the fuzzer's coverage instrumentation and the sanitizers; each target links
  # libFuzzer's main.
  target_compile_options(tl_core PUBLIC -fsanitize=fuzzer-no-link ${TL_SAN_FLAGS} -g)
  target_compile_options(tl_jpeg PRIVATE -fsanitize=fuzzer-no-link ${TL_SAN_FLAGS} -g)
  target_link_options(tl_core PUBLIC ${TL_SAN_FLAGS})
endif()

set(TL_FUZZ_TARGETS "")
function(tl_add_fuzzer name source)
  set(TL_FUZZ_TARGETS ${TL_FUZZ_TARGETS} ${name} PARENT_SCOPE)
  if(TL_FUZZ)
    add_executable(${name}_fuzz ${source})
    target_compile_options(${name}_fuzz PRIVATE ${TL_WARNINGS})
    target_include_directories(${name}_fuzz PRIVATE ${TL_ZLIB_INCLUDE})
    target_link_libraries(${name}_fuzz PRIVATE tl_core)
    target_link_options(${name}_fuzz PRIVATE -fsanitize=fuzzer)
    set_target_properties(${name}_fuzz PROPERTIES BUILD_RPATH "${VIPS_LIB_DIR}")
  endif()
  if(TL_CORE_TESTS)
    add_executable(${name}_replay ${source} native/fuzz/replay_main.cc)
    target_compile_options(${name}_replay PRIVATE ${TL_WARNINGS})
    target_include_directories(${name}_replay PRIVATE ${TL_ZLIB_INCLUDE})
    target_link_libraries(${name}_replay PRIVATE tl_core)
    set_target_properties(${name}_replay PROPERTIES BUILD_RPATH "${VIPS_LIB_DIR}")
    add_test(NAME fuzz_replay_${name}
             COMMAND ${name}_replay "${CMAKE_CURRENT_SOURCE_DIR}/native/fuzz/corpus/${name}"
                                    "${CMAKE_CURRENT_SOURCE_DIR}/native/fuzz/regressions/${name}")
  endif()
endfunction()

tl_add_fuzzer(text_parser native/fuzz/text_parser_fuzz.cc)
tl_add_fuzzer(npy_header native/fuzz/npy_header_fuzz.cc)
tl_add_fuzzer(png_decoder native/fuzz/png_decoder_fuzz.cc)
tl_add_fuzzer(jpeg_decoder native/fuzz/jpeg_decoder_fuzz.cc)
tl_add_fuzzer(image_header native/fuzz/image_header_fuzz.cc)
tl_add_fuzzer(packed_format native/fuzz/packed_format_fuzz.cc)
tl_add_fuzzer(tar_index native/fuzz/tar_index_fuzz.cc)

# scripts/fuzz.sh runs the targets listed here, in this order.
if(TL_FUZZ)
  string(REPLACE ";" "\n" _tl_fuzz_list "${TL_FUZZ_TARGETS}")
  file(WRITE "${CMAKE_BINARY_DIR}/fuzz-targets.txt" "${_tl_fuzz_list}\n")
endif()
