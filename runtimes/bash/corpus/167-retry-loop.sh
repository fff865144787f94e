attempts=0
flaky() {
  attempts=$((attempts + 1))
  [[ $attempts -ge 3 ]]
}
for try in 1 2 3 4 5; do
  if flaky; then echo "succeeded on try $try"; break; fi
  echo "try $try failed, retrying"
  sleep 0
done
n=0
until [[ -f ready.flag ]]; do
  n=$((n + 1)); (( n == 4 )) && touch ready.flag
done
echo "flag after $n polls"
