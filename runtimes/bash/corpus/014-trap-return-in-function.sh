f() {
  trap 'echo "RETURN trap in f"' RETURN
  echo "in f"
}
f
trap - RETURN
echo end
