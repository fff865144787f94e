printf 'hello, world\n' > plain
base64 plain > enc
cat enc
base64 -d enc | cmp - plain && echo "decoded identical"
printf '\x00\x01\xfe\xff' | base64
echo "YWJjZA==" | base64 -d; echo
head -c 100 /dev/zero | base64 -w 0 | wc -c
