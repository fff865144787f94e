# xxd: hex dumps, plain hex and back again.
printf 'hello\n' | xxd
printf 'hello world, this is more than 16 bytes\n' | xxd
printf 'ab' | xxd -p
printf 'kruntimes' | xxd -p | xxd -r -p; echo
printf 'abcdefgh' | xxd -c 4 -g 1
printf 'ABC\001' | xxd -u -p
printf '0123456789' | xxd -l 4
