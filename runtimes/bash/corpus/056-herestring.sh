read -r a b <<< "hello world"
echo "$b $a"
tr a-z A-Z <<< "shout this"
wc -c <<< "abc"
cat <<< "$(printf 'x\ny')"
grep -c o <<< $'one\ntwo\nsix'
