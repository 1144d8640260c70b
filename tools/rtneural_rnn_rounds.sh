#!/usr/bin/env bash
# Alternating rounds: RTNeural -O3, nnet before/after (default build), RTNeural native, nnet
# before/after (native), as in BENCHMARKS.md "Recurrent streaming against RTNeural".
# usage: rtneural_rnn_rounds.sh BEFORE_DEFAULT AFTER_DEFAULT BEFORE_NATIVE AFTER_NATIVE [rounds]
# (the four are built `recurrent` bench executables; RTN_BENCH is where rnn_O3, rnn_native and
# their out_O3/ and out_native/ directories are, /work/rtn/bench by default)
set -u
rounds=${5:-3}
for r in $(seq 1 $rounds); do
  echo "== round $r $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
  RTNEURAL_OUT=${RTN_BENCH:-/work/rtn/bench}/out_O3 ${RTN_BENCH:-/work/rtn/bench}/rnn_O3 | sed 's/^/O3 /'
  RTNEURAL_OUT=${RTN_BENCH:-/work/rtn/bench}/out_O3 $1 --bench rtneural 2>&1 | grep -E "as the|max \|" | sed 's/^/default-before /'
  RTNEURAL_OUT=${RTN_BENCH:-/work/rtn/bench}/out_O3 $2 --bench rtneural 2>&1 | grep -E "as the|max \|" | sed 's/^/default-after /'
  RTNEURAL_OUT=${RTN_BENCH:-/work/rtn/bench}/out_native ${RTN_BENCH:-/work/rtn/bench}/rnn_native | sed 's/^/native /'
  RTNEURAL_OUT=${RTN_BENCH:-/work/rtn/bench}/out_native $3 --bench rtneural 2>&1 | grep -E "as the|max \|" | sed 's/^/native-before /'
  RTNEURAL_OUT=${RTN_BENCH:-/work/rtn/bench}/out_native $4 --bench rtneural 2>&1 | grep -E "as the|max \|" | sed 's/^/native-after /'
done
