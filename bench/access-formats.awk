# Counts client statuses and upstream tries in an access log written in one of the benchmark's formats
# (bench/gen/access.mjs): the one-liner an SRE would write for that format. Quotes inside values are escaped by
# nginx (\x22, or \" in JSON), so splitting at '"' and searching for ',"key":"' are safe.
# Run with mawk: mawk -v fmt=main -f bench/access-formats.awk access.log   (fmt: basic combined main keyvalue
# json upstreaminfo). Output: "requests N", "status CODE N", "tries N", "peer ADDR STATUS N" (502/504 tries only).
function value(key,    i, rest) {
  i = index($0, key); if (!i) return "-"
  rest = substr($0, i + length(key)); return substr(rest, 1, index(rest, "\"") - 1)
}
function tries(addrs, stats,    na, k, a, s) {
  if (addrs == "-" || addrs == "") return
  gsub(/, /, ",", addrs); gsub(/ : /, ",", addrs); gsub(/, /, ",", stats); gsub(/ : /, ",", stats)
  na = split(addrs, a, ","); split(stats, s, ",")
  for (k = 1; k <= na; k++) { t++; if (s[k] == "502" || s[k] == "504") p[a[k] " " s[k]]++ }
}
{
  n++
  if (fmt == "json") {
    st[value(",\"status\":\"")]++
    tries(value(",\"upstream_addr\":\""), value(",\"upstream_status\":\""))
    next
  }
  nq = split($0, q, "\"")
  split(q[3], h, " "); st[h[1]]++
  if (fmt == "combined") next
  if (fmt == "keyvalue") { tries(value(" ua=\""), value(" us=\"")); next }
  rest = q[nq]; gsub(/, /, ",", rest); gsub(/ : /, ",", rest)
  split(rest, f, " ")
  if (fmt == "upstreaminfo") tries(f[5], f[8]); else tries(f[1], f[2])
}
END {
  print "requests", n + 0; print "tries", t + 0
  for (k in st) print "status", k, st[k]
  for (k in p) print "peer", k, p[k]
}
