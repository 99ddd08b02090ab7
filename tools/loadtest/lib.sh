# Shell functions shared by the load-test scripts (sourced, not run).

# Reads hey's text report; prints "rps p50_ms p99_ms codes errors", where errors counts
# statuses other than 200 and 503 plus transport errors.
parse_hey() {
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ *50% in/ { p50 = $3 * 1000 }
    /^ *99% in/ { p99 = $3 * 1000 }
    /^Status code distribution:/ { section = "codes"; next }
    /^Error distribution:/ { section = "errors"; next }
    /^ *\[[0-9]+\]/ {
      n = $1; gsub(/[\[\]]/, "", n)
      if (section == "codes") { codes = codes (codes == "" ? "" : ",") n "x" $2; if (n != 200 && n != 503) bad += $2 }
      if (section == "errors") { bad += n }
    }
    END { printf "%.1f %.2f %.2f %s %d\n", rps, p50, p99, (codes == "" ? "-" : codes), bad + 0 }'
}

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# One line on the machine: processor, cores, AVX2 and AVX-512 (figures differ between them).
machine_line() {
  echo "machine: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(nproc) cores," \
    "avx2: $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no), avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
}

# Waits up to two minutes for URL to answer; fails when it does not.
wait_ready() {
  for _ in $(seq 1 120); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 1
  done
  curl -fsS "$1" >/dev/null
}
