// Inductor's C++ kernels of this model, as it generated them. Each kernel is its
// own translation unit whose entry point `kernel` is renamed to the kernel's name
// in its object file (objcopy --redefine-sym): read, do not compile as one file.
// Each is compiled with planline's guarded entry point appended (`with_guard`).

// ==== cpp_fused_add_embedding_mul_0 ====
#include <torch/csrc/inductor/cpp_prefix.h>
extern "C"  void  kernel(const int64_t* in_ptr0,
                       const float* in_ptr1,
                       float* out_ptr0,
                       const int64_t ks0)
{
    std::atomic<int> inductor_cpu_integer_div_error{0};
    inductor_cpu_integer_div_error_flag = &inductor_cpu_integer_div_error;
    #pragma omp parallel
    {
        int tid = omp_get_thread_num();
        {
            #pragma omp for
            for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(8L*ks0); x0+=static_cast<int64_t>(1L))
            {
                for(int64_t x1=static_cast<int64_t>(0L); x1<static_cast<int64_t>(16L); x1+=static_cast<int64_t>(8L))
                {
                    {
                        if(C10_LIKELY(x1 >= static_cast<int64_t>(0) && x1 < static_cast<int64_t>(16L)))
                        {
                            auto tmp0 = in_ptr0[static_cast<int64_t>(x0)];
                            auto tmp1 = static_cast<int64_t>(3);
                            auto tmp2 = int64_t(tmp0 + tmp1);
                            auto tmp3 = tmp2;
                            auto tmp4 = c10::convert<int64_t>(tmp3);
                            TORCH_CHECK((0 <= tmp4) & (tmp4 < 12L), "index out of bounds: 0 <= tmp4 < 12L");
                            auto tmp6 = at::vec::Vectorized<float>::loadu(in_ptr1 + static_cast<int64_t>(x1 + 16L*tmp2), static_cast<int64_t>(8));
                            auto tmp7 = static_cast<float>(0.5);
                            auto tmp8 = at::vec::Vectorized<float>(tmp7);
                            auto tmp9 = tmp6 * tmp8;
                            tmp9.store(out_ptr0 + static_cast<int64_t>(x1 + 16L*x0));
                        }
                    }
                }
            }
        }
    }
    inductor_cpu_integer_div_error_flag = nullptr;
    inductor_cpu_throw_if_integer_div_error(inductor_cpu_integer_div_error);
}
