unset u; e=""; s=set
echo "1 ${u:-dflt} ${e:-dflt} ${s:-dflt}"
echo "2 ${u-dflt} ${e-dflt} ${s-dflt}"
echo "3 ${u:+alt} ${e:+alt} ${s:+alt}|"
echo "4 ${u+alt} ${e+alt} ${s+alt}|"
echo "5 ${u:=assigned} $u"
echo "6 ${e:=filled} $e"
: "${later:=from-colon}"
echo "7 $later"
