pwd
mkdir -p a/b
cd a/b
pwd
echo "${PWD#"$HOME"}"
cd ..
echo "OLDPWD base: ${OLDPWD##*/}"
cd - >/dev/null
pwd
cd "$HOME"
[ "$PWD" = "$(pwd)" ] && echo "PWD matches pwd"
cd nonexistent 2>/dev/null || echo "cd failed: $?"
