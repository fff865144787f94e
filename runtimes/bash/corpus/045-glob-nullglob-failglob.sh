touch x.c y.c
for f in *.h; do echo "loop saw: $f"; done
shopt -s nullglob
for f in *.h; do echo "never: $f"; done
echo "nullglob args: [" *.h "]"
shopt -u nullglob
shopt -s failglob
echo *.c
echo *.h
echo "after failglob"
