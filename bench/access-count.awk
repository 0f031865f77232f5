# Counts upstream statuses per upstream address in an access log written with the benchmark's format:
#   combined ... "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time $request_time
# The request and user agent are quoted, so the upstream fields are taken from the end of the line; multi-valued
# fields ("a, b : c") are split on ", " and " : " and paired by position. Output: "addr status count".
# Run with mawk: mawk -f bench/access-count.awk access.log
{
  # the upstream part follows the last '"' (end of the quoted user agent; quotes inside values are \x22)
  nq = split($0, q, "\"")
  rest = substr(q[nq], 2)
  # rest: ADDR... STATUS... RTIME... REQTIME ; fields within one list are joined by ", " or " : "
  gsub(/, /, ",", rest); gsub(/ : /, ",", rest)
  n = split(rest, f, " ")
  na = split(f[1], a, ","); split(f[2], s, ",")
  for (k = 1; k <= na; k++) if (a[k] != "-") c[a[k] " " s[k]]++
}
END { for (key in c) print key, c[key] }
