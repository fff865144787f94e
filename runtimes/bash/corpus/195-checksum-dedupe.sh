mkdir f
echo same > f/a; echo same > f/b; echo other > f/c; echo same > f/d
(cd f && sha256sum *) | sort | awk '{ if ($1 == prev) print "duplicate: " $2 " of " first; else first = $2; prev = $1 }'
