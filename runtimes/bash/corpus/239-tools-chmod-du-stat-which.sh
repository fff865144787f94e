# chmod, du, stat and which as scripts use them to check files and commands.
printf 12345 > a.txt
printf 'echo from run.sh\n' > run.sh
chmod +x run.sh && echo "chmod ok"
chmod 755 a.txt; echo "status $?"
chmod 999 a.txt 2>/dev/null; echo "bad mode status $?"
chmod u+x missing.txt 2>/dev/null; echo "missing status $?"
bash run.sh
du -b a.txt
du -sb a.txt run.sh
stat -c '%n %s %F' a.txt run.sh
: > empty; stat -c %F empty
stat --printf='%s bytes\n' a.txt
size=$(stat -c %s a.txt); echo "size is $size"
which ls
which no-such-command; echo "which status $?"
if which sed >/dev/null; then echo "sed found"; fi
