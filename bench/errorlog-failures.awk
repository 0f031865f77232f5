# Counts upstream failure lines in an nginx error log of any shape (the benchmark's realistic and adversarial
# generators): what an SRE who had read docs/error-log-messages.md would write. Notes that are not failures
# (a peer marked down, extra body bytes, responses buffered to temp files) are counted apart.
# Output: "failures N" and "notes N". Run with mawk: mawk -f bench/errorlog-failures.awk error.log
/ is buffered to a temporary file / { next }
/upstream server temporarily disabled|upstream sent more data than specified|upstream sent data after final chunk/ { notes++; next }
/ while (connecting to|reading response header from|sending request to|reading|SSL handshaking to) upstream|while proxying connection|worker_connections are not enough|could not be resolved \(|no resolver defined to resolve / { failures++ }
END { print "failures", failures + 0; print "notes", notes + 0 }
