import cProfile, pstats, time, io
import pytest
from django.test import Client
from signup import services
from signup.models import Signup, SignupStatus
from tenants.services import association_provision
from tests.perf.test_signup_speed import _signup

pytestmark = pytest.mark.perf

def test_profile(committed_db):
    Signup.objects.filter(slug__startswith="perf-").delete()
    for i in range(3):
        slug = f"perf-p{i}"
        token = _signup(slug)
        s = services.signup_verify(token=token)
        pr = cProfile.Profile()
        t0 = time.perf_counter()
        if i == 2: pr.enable()
        services.signup_provision(signup_id=s.pk)
        t1 = time.perf_counter()
        r = Client(HTTP_HOST=f"{slug}.localhost").get("/")
        t2 = time.perf_counter()
        if i == 2: pr.disable()
        assert r.status_code == 200
        t3 = time.perf_counter()
        association_provision(slug=f"perf-q{i}", name_ar="a", name_en="b", admin_email=f"a@q{i}.test")
        t4 = time.perf_counter()
        print(f"provision {t1-t0:.3f} first page {t2-t1:.3f} baseline {t4-t3:.3f}")
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(60)
    open("/tmp/i11/profile.txt","w").write(s.getvalue())
    Signup.objects.filter(slug__startswith="perf-").delete()
