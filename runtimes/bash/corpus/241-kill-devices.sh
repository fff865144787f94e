# kill: signal names and numbers, jobs that have ended, the shell itself; the /dev files scripts read.
kill -l 15; kill -l TERM; kill -l 143; kill -l SIGKILL
kill -l | head -2
kill -s FOO 1; echo "bad signal: $?"
kill abc; echo "not an id: $?"
kill %7; echo "no job: $?"
kill 2>/dev/null; echo "usage: $?"
true &
wait $!; echo "job status: $?"
kill $! 2>/dev/null; echo "ended job: $?"
kill -0 $$; echo "self check: $?"
head -c 16 /dev/zero | od -An -tx1
head -c 32 /dev/urandom | wc -c
tr -dc 'a-z' < /dev/urandom | head -c 12 | wc -c
od -An -N4 -tu1 /dev/zero
echo discarded > /dev/zero; echo "write to zero: $?"
n=$(head -c 4 /dev/urandom | od -An -tu4 | tr -d ' '); [ -n "$n" ] && echo "random number read"
kill -TERM $$
echo "not reached"
