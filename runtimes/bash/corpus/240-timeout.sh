# timeout stops a command at its deadline (status 124) and otherwise passes its status through.
timeout 0.2 sleep 5; echo "timed out: $?"
timeout 5 true; echo "in time: $?"
timeout 5 sh -c 'exit 3'; echo "command status: $?"
timeout --preserve-status 0.2 sleep 5; echo "preserved: $?"
timeout -v 0.2 sleep 5 2>&1; echo "verbose: $?"
timeout -s INT -k 1 0.2 sleep 5; echo "int: $?"
timeout 0 true; echo "no limit: $?"
timeout 1m echo minutes
timeout x sleep 1; echo "bad interval: $?"
timeout; echo "missing: $?"
timeout -s FOO 1 true; echo "bad signal: $?"
if ! timeout 0.2 sleep 3; then echo "if-not works"; fi
out=$(timeout 2 echo captured); echo "$out"
timeout 0.2 sleep 5 && echo no || echo "or-branch $?"
