{ echo header; seq 3; echo footer; } | {
  read -r first
  echo "first: $first"
  cat | sed 's/^/  body: /'
}
