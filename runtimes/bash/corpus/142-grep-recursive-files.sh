mkdir -p tree/a tree/b
echo "needle here" > tree/a/one.txt
echo "nothing" > tree/a/two.txt
echo "another needle" > tree/b/three.txt
echo "needle" > tree/b/four.log
grep -rl needle tree | sort
echo ---
grep -r --include='*.txt' -l needle tree | sort
echo ---
grep -rc needle tree | sort
echo ---
grep -L needle tree/a/*.txt
