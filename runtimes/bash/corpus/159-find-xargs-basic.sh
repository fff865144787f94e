mkdir -p t/a/b t/c
touch t/one.log t/a/two.log t/a/b/three.log t/c/keep.txt
find t -name '*.log' | sort
echo ---
find t -name '*.log' -print0 | sort -z | xargs -0 -n 1 basename
echo ---
find t -type d | sort
echo ---
find t -maxdepth 1 -type f | sort
