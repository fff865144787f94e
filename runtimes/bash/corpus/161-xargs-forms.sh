printf 'a\nb\nc\nd\ne\n' > list
xargs echo < list
xargs -n 2 echo < list
xargs -I{} echo "item: {}" < list
printf 'x y\0z\0' | xargs -0 -n1 echo
seq 3 | xargs -I % echo %-%
