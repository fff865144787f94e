report() {
  cat <<EOF
report for $1
  items: $2
EOF
}
report alpha 3
report beta 7 | tr a-z A-Z
cat <<A; cat <<B
first
A
second
B
