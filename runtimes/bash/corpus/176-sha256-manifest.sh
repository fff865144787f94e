mkdir files
printf 'a\n' > files/a
printf 'b\n' > files/b
printf '' > files/empty
(cd files && sha256sum a b empty) > MANIFEST
cat MANIFEST
printf 'B\n' > files/b
(cd files && sha256sum -c ../MANIFEST 2>/dev/null) || echo "verification failed: $?"
