mkdir -p w/x w/y
for i in 1 2 3; do echo "line $i" > "w/x/f$i.tmp"; done
echo keep > w/y/keep.txt
find w -name '*.tmp' -exec wc -l {} \; | sort
find w -name '*.tmp' -exec rm {} \;
find w -type f | sort
