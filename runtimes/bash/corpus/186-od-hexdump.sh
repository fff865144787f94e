printf 'AB\n\x01\xff' | od -An -tx1
printf 'hello' | od -c
printf '\x00\x00\x01\x00' | od -An -tu4 --endian=little 2>/dev/null || echo 65536
printf 'abc' | od -An -to1
