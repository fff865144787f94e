cat > people.csv <<EOF
name,age,city
alice,30,paris
bob,25,berlin
carol,35,tokyo
EOF
{
  read -r header
  while IFS=, read -ra f; do
    echo "${f[0]^} is ${f[1]} and lives in ${f[2]^^}"
  done
} < people.csv
