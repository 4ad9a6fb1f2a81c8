# Run a libFuzzer target for SECONDS on a fresh copy of the seed corpus (the fuzzer adds to
# its first corpus directory, so the source tree is never written). Fails if the fuzzer
# finds a crash, a leak or a sanitizer report.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/seeds)
execute_process(COMMAND ${PYTHON} ${CORPUS_SCRIPT} ${WORK}/seeds RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "seed corpus: ${rc}")
endif()
execute_process(COMMAND ${FUZZER} -max_total_time=${SECONDS} -seed=1 -max_len=2100
                        -artifact_prefix=${WORK}/ ${WORK}/corpus ${WORK}/seeds
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz_ether failed (${rc}); the crashing input is in ${WORK}")
endif()
