mkdir g && cd g
touch a.txt b.txt c.log .hidden d1 d2 d10
echo *.txt
echo ?.*
echo d?
echo d[0-9]*
echo [!ab]*
echo *.none
echo "quoted: *.txt"
