trap 'echo "ERR trapped at status $?"' ERR
false
echo after-false
(exit 4)
echo after-exit4
true
echo done
