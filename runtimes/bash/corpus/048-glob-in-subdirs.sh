mkdir -p src/a src/b
touch src/a/one.c src/a/two.h src/b/three.c src/top.c
echo src/*/*.c
echo src/*.c
for f in src/*/; do echo "dir: $f"; done
shopt -s globstar
echo src/**/*.c
