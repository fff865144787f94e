echo "Hello World" | tr a-z A-Z
echo "Hello World" | tr -d lo
echo "a  b   c" | tr -s ' '
echo "phone: 555-1234" | tr -cd '0-9\n'
printf 'a,b,c\n' | tr , '\n'
echo "rot13 me" | tr 'a-zA-Z' 'n-za-mN-ZA-M'
printf 'dos\r\nline\r\n' | tr -d '\r' | od -c | head -n 2
