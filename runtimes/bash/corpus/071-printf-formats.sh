printf '%s|%s\n' a b c
printf '%d %i\n' 42 -7
printf '%5d|%-5d|%05d\n' 42 42 42
printf '%.2f %8.3f %-8.1f|\n' 3.14159 2.5 1
printf '%05.2f\n' 3.14159
printf '%x %X %o %#x\n' 255 255 8 255
printf '%c\n' hello
printf '%%\n'
printf '%s\n'
printf '%b\n' 'tab\there'
printf '%10s|%-10s|\n' right left
printf '%.3s\n' truncate
printf "%d\n" "'A"
