# Counts upstream failures per upstream peer in an nginx error log: the one-liner an SRE would write.
# Output: "peer count". Run with mawk: mawk -f bench/errorlog-count.awk error.log
/ while (connecting to|reading response header from|sending request to|reading|SSL handshaking to) upstream/ {
  i = index($0, "upstream: \"")
  if (!i) { c["-"]++; next }
  rest = substr($0, i + 11); j = index(rest, "\""); up = substr(rest, 1, j - 1)
  s = index(up, "://"); if (s) up = substr(up, s + 3)
  if (substr(up, 1, 5) == "unix:") { k = index(substr(up, 6), ":"); if (k) up = substr(up, 1, k + 4) }
  else { k = index(up, "/"); if (k) up = substr(up, 1, k - 1) }
  c[up]++
}
END { for (k in c) print k, c[k] }
