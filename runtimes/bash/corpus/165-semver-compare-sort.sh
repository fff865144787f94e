printf '1.10.0\n1.2.0\n1.2.10\n0.9.1\n1.2.9\n' > versions
sort -t. -k1,1n -k2,2n -k3,3n versions
latest=$(sort -t. -k1,1n -k2,2n -k3,3n versions | tail -n 1)
echo "latest=$latest"
vercmp() {
  local IFS=.; local -a a=($1) b=($2)
  for i in 0 1 2; do
    (( a[i] > b[i] )) && { echo ">"; return; }
    (( a[i] < b[i] )) && { echo "<"; return; }
  done
  echo "="
}
echo "1.2.10 $(vercmp 1.2.10 1.2.9) 1.2.9"
echo "1.0.0 $(vercmp 1.0.0 1.0.0) 1.0.0"
