# printf (4.2 Bash Builtins): formats, escapes, reuse of the format, %q, %b, %(fmt)T, * widths, -v, errors.
#### string
printf '%s\n' hello
#### string-width
printf '[%5s][%-5s]\n' ab cd
#### string-precision
printf '[%.2s][%5.1s]\n' abcdef xyz
#### integer
printf '%d %i\n' 42 -7
#### integer-width-zero
printf '[%05d][%-5d][%+d][% d]\n' 42 42 42 42
#### integer-from-char
printf '%d %d\n' "'A" '"a'
#### integer-hex-octal-input
printf '%d %d\n' 0x1F 017
#### integer-invalid
printf '%d\n' abc; echo "status $?"
#### integer-partial
printf '%d\n' 12abc; echo "status $?"
#### integer-overflow
printf '%d\n' 99999999999999999999; echo "status $?"
#### unsigned-hex-octal
printf '%u %x %X %o %#x %#o\n' 255 255 255 8 255 8
#### negative-unsigned
printf '%u\n' -1
#### float
printf '%f %.2f %e %g\n' 3.14159 2.5 12345.678 0.0001
#### float-width
printf '[%8.3f][%-8.2f]\n' 3.14159 2.5
#### float-g-forms
printf '%g %g %G\n' 100000 1000000 1e-10
#### float-invalid
printf '%f\n' abc; echo "status $?"
#### char
printf '%c%c\n' hello world
#### percent-literal
printf '100%%\n'
#### reuse-format
printf '%s-%s\n' a b c d e
#### missing-args
printf '[%s][%d]\n'
#### extra-format-only
printf 'plain\n' extra args
#### escape-sequences-in-format
printf 'a\tb\nc\\d\n'
#### escape-octal-hex-format
printf '\101\x42\n'
#### escape-unicode-format
printf '\u00e9\n' | od -An -tx1
#### b-format
printf '%b\n' 'a\tb' 'c\nd'
#### b-format-octal
printf '%b\n' '\0101' '\101'
#### b-format-stop
printf '%b|\n' 'abc\cdef'; echo
#### q-format
printf '%q\n' 'a b' "it's" '$x' ''
#### q-format-special
printf '%q\n' $'tab\there' $'nl\n' 'semi;colon' '~tilde'
#### q-format-plain
printf '%q\n' abc 123 a/b.c
#### q-format-glob
printf '%q\n' '*' 'a?b' '[x]'
#### q-format-unicode
printf '%q\n' $'\xc3\xa9'
#### q-format-width
printf '[%10q]\n' 'a b'
#### time-format-epoch
TZ=UTC printf '%(%Y-%m-%d %H:%M:%S)T\n' 0
#### time-format-fixed
TZ=UTC printf '%(%F %T %a %b %j)T\n' 1700000000
#### time-format-default
TZ=UTC printf '%()T\n' 86400
#### time-format-width
TZ=UTC printf '[%20(%Y)T]\n' 0
#### time-format-minus-one-is-now
a=$(printf '%(%s)T' -1); [ "$a" -gt 1600000000 ] && echo now
#### star-width
printf '[%*s]\n' 6 ab
#### star-precision
printf '[%.*s]\n' 2 abcdef
#### star-both
printf '[%*.*f]\n' 8 2 3.14159
#### star-negative-width
printf '[%*s]\n' -6 ab
#### v-option
printf -v out '%s=%d' key 5; echo "$out"
#### v-option-array
printf -v 'a[2]' '%s' x; echo "${a[2]}"
#### v-invalid-name
printf -v 1bad x; echo "status $?"
#### invalid-format-char
printf '%z\n' x; echo "status $?"
#### trailing-percent
printf 'a%'; echo; echo "status $?"
#### dash-dash
printf -- '-%s\n' x
#### no-args
printf; echo "status $?"
#### leading-dash-format
printf -x; echo "status $?"
#### hex-escape-limit
printf '\x414\n'
#### escape-c-in-format
printf 'ab\cde\n'; echo
#### space-flag-string
printf '[% s]\n' x
#### hash-flag-float
printf '%#.0f\n' 3
#### zero-precision-int
printf '[%.0d]\n' 0
#### precision-int
printf '[%.3d]\n' 5
#### long-modifiers
printf '%ld %lld %hd\n' 1 2 3
#### string-with-percent-arg
printf '%s\n' '%d'
#### numbers-negative-hex
printf '%x\n' -1
#### char-constant-multibyte
printf '%d\n' "'é"
#### a-format
printf '%a\n' 1 | head -c 0; echo skip
#### multiple-lines-loop
printf '%s:%s\n' k1 v1 k2 v2 k3
#### zero-arg-numeric
printf '%d|%s|\n' '' ''
#### format-from-variable
f='%s+%s\n'; printf "$f" 1 2
#### printf-to-stderr
printf 'err\n' >&2
#### printf-b-backslash-zero
printf '%b' '\0' | od -An -tx1
#### q-format-newline-only
printf '%q\n' $'\n'
#### q-format-backslash
printf '%q\n' 'a\b'
#### q-format-equals-comma
printf '%q\n' 'a=b,c' 'x:y' '@at' '#hash'
#### float-inf-nan
printf '%f %f\n' inf nan
#### float-rounding
printf '%.1f %.1f %.0f %.0f\n' 0.25 0.35 0.5 1.5
#### int-plus-space
printf '%+5d|% 5d\n' -3 3
#### huge-width
printf '%20s|\n' x | wc -c
#### array-args
a=(x y z); printf '<%s>' "${a[@]}"; echo
#### width-from-arg-reuse
printf '%-3s|' a b c; echo
#### percent-c-empty
printf '[%c]\n' ''
#### octal-escape-in-arg-s
printf '%s\n' '\101'
#### b-with-percent
printf '%b\n' '100%'
#### many-formats-one-line
printf '%s %d %x %o %c %%\n' str 10 255 8 q
#### negative-zero-pad
printf '%05d|%-05d|\n' -42 -42
#### precision-string-utf8-bytes
printf '[%.1s]\n' abc
#### e-format-precision
printf '%.3e %E\n' 1234.5 0.5
#### g-format-trailing
printf '%g %g\n' 1.50 2.0
