printf 'alpha\nbeta\n\ngamma\n' > f
nl f
nl -ba f
cat -n f | tail -n 1
echo "a long line of words that will be folded at twenty characters" | fold -w 20
echo "a long line of words that will be folded at spaces" | fold -s -w 20
