// Inductor's C++ kernels of this model, as it generated them. Each kernel is its
// own translation unit whose entry point `kernel` is renamed to the kernel's name
// in its object file (objcopy --redefine-sym): read, do not compile as one file.

// ==== cpp_fused__native_batch_norm_legit_no_training_convolution_mul_relu_0 ====
#include <torch/csrc/inductor/cpp_prefix.h>
extern "C"  void  kernel(float* in_out_ptr0,
                       const float* in_ptr0,
                       const float* in_ptr1,
                       const float* in_ptr2,
                       const float* in_ptr3,
                       const float* in_ptr4,
                       const float* in_ptr5,
                       const float* in_ptr6,
                       const float* in_ptr7,
                       const float* in_ptr8,
                       const float* in_ptr9,
                       const float* in_ptr10,
                       const float* in_ptr11,
                       const float* in_ptr12,
                       const float* in_ptr13,
                       const int64_t ks0)
{
    std::atomic<int> inductor_cpu_integer_div_error{0};
    inductor_cpu_integer_div_error_flag = &inductor_cpu_integer_div_error;
    #pragma omp parallel
    {
        int tid = omp_get_thread_num();
        {
            #pragma omp for
            for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(ks0); x0+=static_cast<int64_t>(1L))
            {
                #pragma GCC ivdep
                for(int64_t x1=static_cast<int64_t>(0L); x1<static_cast<int64_t>(8L); x1+=static_cast<int64_t>(1L))
                {
                    #pragma GCC ivdep
                    for(int64_t x2=static_cast<int64_t>(0L); x2<static_cast<int64_t>(8L); x2+=static_cast<int64_t>(1L))
                    {
                        for(int64_t x3=static_cast<int64_t>(0L); x3<static_cast<int64_t>(16L); x3+=static_cast<int64_t>(16L))
                        {
                            {
                                if(C10_LIKELY(x3 >= static_cast<int64_t>(0) && x3 < static_cast<int64_t>(16L)))
                                {
                                    auto tmp18 = at::vec::Vectorized<float>::loadu(in_ptr1 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp32 = at::vec::Vectorized<float>::loadu(in_ptr2 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp47 = at::vec::Vectorized<float>::loadu(in_ptr3 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp63 = at::vec::Vectorized<float>::loadu(in_ptr4 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp74 = at::vec::Vectorized<float>::loadu(in_ptr5 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp85 = at::vec::Vectorized<float>::loadu(in_ptr6 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp101 = at::vec::Vectorized<float>::loadu(in_ptr7 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp112 = at::vec::Vectorized<float>::loadu(in_ptr8 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp123 = at::vec::Vectorized<float>::loadu(in_ptr9 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp127 = at::vec::Vectorized<float>::loadu(in_ptr10 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp129 = at::vec::Vectorized<float>::loadu(in_ptr11 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp131 = at::vec::Vectorized<float>::loadu(in_ptr12 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp133 = at::vec::Vectorized<float>::loadu(in_ptr13 + static_cast<int64_t>(x3), static_cast<int64_t>(16));
                                    auto tmp0 = (-1L) + x1;
                                    auto tmp1 = c10::convert<int64_t>(tmp0);
                                    auto tmp2 = static_cast<int64_t>(0);
                                    auto tmp3 = tmp1 >= tmp2;
                                    auto tmp4 = static_cast<int64_t>(8);
                                    auto tmp5 = tmp1 < tmp4;
                                    auto tmp6 = (-1L) + x2;
                                    auto tmp7 = c10::convert<int64_t>(tmp6);
                                    auto tmp8 = tmp7 >= tmp2;
                                    auto tmp9 = tmp7 < tmp4;
                                    auto tmp10 = tmp3 & tmp5;
                                    auto tmp11 = tmp10 & tmp8;
                                    auto tmp12 = tmp11 & tmp9;
                                    auto tmp13 = [&]
                                    {
                                        auto tmp14 = in_ptr0[static_cast<int64_t>((-9L) + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp15 = static_cast<float>(0.0625);
                                        auto tmp16 = float(tmp14 * tmp15);
                                        return tmp16;
                                    }
                                    ;
                                    auto tmp17 = tmp12 ? tmp13() : static_cast<float>(0.0);
                                    auto tmp19 = at::vec::Vectorized<float>(tmp17);
                                    auto tmp20 = tmp19 * tmp18;
                                    auto tmp21 = x2;
                                    auto tmp22 = c10::convert<int64_t>(tmp21);
                                    auto tmp23 = tmp22 >= tmp2;
                                    auto tmp24 = tmp22 < tmp4;
                                    auto tmp25 = tmp10 & tmp23;
                                    auto tmp26 = tmp25 & tmp24;
                                    auto tmp27 = [&]
                                    {
                                        auto tmp28 = in_ptr0[static_cast<int64_t>((-8L) + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp29 = static_cast<float>(0.0625);
                                        auto tmp30 = float(tmp28 * tmp29);
                                        return tmp30;
                                    }
                                    ;
                                    auto tmp31 = tmp26 ? tmp27() : static_cast<float>(0.0);
                                    auto tmp33 = at::vec::Vectorized<float>(tmp31);
                                    auto tmp34 = tmp33 * tmp32;
                                    auto tmp35 = tmp20 + tmp34;
                                    auto tmp36 = 1L + x2;
                                    auto tmp37 = c10::convert<int64_t>(tmp36);
                                    auto tmp38 = tmp37 >= tmp2;
                                    auto tmp39 = tmp37 < tmp4;
                                    auto tmp40 = tmp10 & tmp38;
                                    auto tmp41 = tmp40 & tmp39;
                                    auto tmp42 = [&]
                                    {
                                        auto tmp43 = in_ptr0[static_cast<int64_t>((-7L) + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp44 = static_cast<float>(0.0625);
                                        auto tmp45 = float(tmp43 * tmp44);
                                        return tmp45;
                                    }
                                    ;
                                    auto tmp46 = tmp41 ? tmp42() : static_cast<float>(0.0);
                                    auto tmp48 = at::vec::Vectorized<float>(tmp46);
                                    auto tmp49 = tmp48 * tmp47;
                                    auto tmp50 = tmp35 + tmp49;
                                    auto tmp51 = x1;
                                    auto tmp52 = c10::convert<int64_t>(tmp51);
                                    auto tmp53 = tmp52 >= tmp2;
                                    auto tmp54 = tmp52 < tmp4;
                                    auto tmp55 = tmp53 & tmp54;
                                    auto tmp56 = tmp55 & tmp8;
                                    auto tmp57 = tmp56 & tmp9;
                                    auto tmp58 = [&]
                                    {
                                        auto tmp59 = in_ptr0[static_cast<int64_t>((-1L) + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp60 = static_cast<float>(0.0625);
                                        auto tmp61 = float(tmp59 * tmp60);
                                        return tmp61;
                                    }
                                    ;
                                    auto tmp62 = tmp57 ? tmp58() : static_cast<float>(0.0);
                                    auto tmp64 = at::vec::Vectorized<float>(tmp62);
                                    auto tmp65 = tmp64 * tmp63;
                                    auto tmp66 = tmp50 + tmp65;
                                    auto tmp67 = tmp55 & tmp23;
                                    auto tmp68 = tmp67 & tmp24;
                                    auto tmp69 = [&]
                                    {
                                        auto tmp70 = in_ptr0[static_cast<int64_t>(x2 + 8L*x1 + 64L*x0)];
                                        auto tmp71 = static_cast<float>(0.0625);
                                        auto tmp72 = float(tmp70 * tmp71);
                                        return tmp72;
                                    }
                                    ;
                                    auto tmp73 = tmp68 ? tmp69() : static_cast<float>(0.0);
                                    auto tmp75 = at::vec::Vectorized<float>(tmp73);
                                    auto tmp76 = tmp75 * tmp74;
                                    auto tmp77 = tmp66 + tmp76;
                                    auto tmp78 = tmp55 & tmp38;
                                    auto tmp79 = tmp78 & tmp39;
                                    auto tmp80 = [&]
                                    {
                                        auto tmp81 = in_ptr0[static_cast<int64_t>(1L + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp82 = static_cast<float>(0.0625);
                                        auto tmp83 = float(tmp81 * tmp82);
                                        return tmp83;
                                    }
                                    ;
                                    auto tmp84 = tmp79 ? tmp80() : static_cast<float>(0.0);
                                    auto tmp86 = at::vec::Vectorized<float>(tmp84);
                                    auto tmp87 = tmp86 * tmp85;
                                    auto tmp88 = tmp77 + tmp87;
                                    auto tmp89 = 1L + x1;
                                    auto tmp90 = c10::convert<int64_t>(tmp89);
                                    auto tmp91 = tmp90 >= tmp2;
                                    auto tmp92 = tmp90 < tmp4;
                                    auto tmp93 = tmp91 & tmp92;
                                    auto tmp94 = tmp93 & tmp8;
                                    auto tmp95 = tmp94 & tmp9;
                                    auto tmp96 = [&]
                                    {
                                        auto tmp97 = in_ptr0[static_cast<int64_t>(7L + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp98 = static_cast<float>(0.0625);
                                        auto tmp99 = float(tmp97 * tmp98);
                                        return tmp99;
                                    }
                                    ;
                                    auto tmp100 = tmp95 ? tmp96() : static_cast<float>(0.0);
                                    auto tmp102 = at::vec::Vectorized<float>(tmp100);
                                    auto tmp103 = tmp102 * tmp101;
                                    auto tmp104 = tmp88 + tmp103;
                                    auto tmp105 = tmp93 & tmp23;
                                    auto tmp106 = tmp105 & tmp24;
                                    auto tmp107 = [&]
                                    {
                                        auto tmp108 = in_ptr0[static_cast<int64_t>(8L + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp109 = static_cast<float>(0.0625);
                                        auto tmp110 = float(tmp108 * tmp109);
                                        return tmp110;
                                    }
                                    ;
                                    auto tmp111 = tmp106 ? tmp107() : static_cast<float>(0.0);
                                    auto tmp113 = at::vec::Vectorized<float>(tmp111);
                                    auto tmp114 = tmp113 * tmp112;
                                    auto tmp115 = tmp104 + tmp114;
                                    auto tmp116 = tmp93 & tmp38;
                                    auto tmp117 = tmp116 & tmp39;
                                    auto tmp118 = [&]
                                    {
                                        auto tmp119 = in_ptr0[static_cast<int64_t>(9L + x2 + 8L*x1 + 64L*x0)];
                                        auto tmp120 = static_cast<float>(0.0625);
                                        auto tmp121 = float(tmp119 * tmp120);
                                        return tmp121;
                                    }
                                    ;
                                    auto tmp122 = tmp117 ? tmp118() : static_cast<float>(0.0);
                                    auto tmp124 = at::vec::Vectorized<float>(tmp122);
                                    auto tmp125 = tmp124 * tmp123;
                                    auto tmp126 = tmp115 + tmp125;
                                    auto tmp128 = tmp126 - tmp127;
                                    auto tmp130 = tmp128 * tmp129;
                                    auto tmp132 = tmp130 * tmp131;
                                    auto tmp134 = tmp132 + tmp133;
                                    auto tmp135 = at::vec::clamp_min(tmp134, decltype(tmp134)(0));
                                    tmp135.store(in_out_ptr0 + static_cast<int64_t>(x3 + 16L*x2 + 128L*x1 + 1024L*x0));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    inductor_cpu_integer_div_error_flag = nullptr;
    inductor_cpu_throw_if_integer_div_error(inductor_cpu_integer_div_error);
}

// ==== cpp_fused_max_pool2d_with_indices_view_1 ====
#include <torch/csrc/inductor/cpp_prefix.h>
extern "C"  void  kernel(const float* in_ptr0,
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
            for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(ks0); x0+=static_cast<int64_t>(1L))
            {
                #pragma GCC ivdep
                for(int64_t x1=static_cast<int64_t>(0L); x1<static_cast<int64_t>(4L); x1+=static_cast<int64_t>(1L))
                {
                    for(int64_t x2=static_cast<int64_t>(0L); x2<static_cast<int64_t>(4L); x2+=static_cast<int64_t>(16L))
                    {
                        for(int64_t x3=static_cast<int64_t>(0L); x3<static_cast<int64_t>(32L); x3+=static_cast<int64_t>(16L))
                        {
                            {
                                if(C10_LIKELY(x2 >= static_cast<int64_t>(0L) && x2 < static_cast<int64_t>(4L) && x3 >= static_cast<int64_t>(0) && x3 < static_cast<int64_t>(32L)))
                                {
                                    alignas(std::max(std::size_t(16), alignof(float))) float tmp7[16*16];
                                    for (long x2_inner = 0; x2_inner < static_cast<int64_t>(4L); x2_inner++)
                                    {
                                        auto tmp0 = at::vec::Vectorized<float>::loadu(in_ptr0 + static_cast<int64_t>(x3 + 64L*x2 + 64L*x2_inner + 512L*x1 + 2048L*x0), static_cast<int64_t>(16));
                                        auto tmp1 = at::vec::Vectorized<float>::loadu(in_ptr0 + static_cast<int64_t>(32L + x3 + 64L*x2 + 64L*x2_inner + 512L*x1 + 2048L*x0), static_cast<int64_t>(16));
                                        auto tmp3 = at::vec::Vectorized<float>::loadu(in_ptr0 + static_cast<int64_t>(256L + x3 + 64L*x2 + 64L*x2_inner + 512L*x1 + 2048L*x0), static_cast<int64_t>(16));
                                        auto tmp5 = at::vec::Vectorized<float>::loadu(in_ptr0 + static_cast<int64_t>(288L + x3 + 64L*x2 + 64L*x2_inner + 512L*x1 + 2048L*x0), static_cast<int64_t>(16));
                                        auto tmp2 = at::vec::maximum(tmp0, tmp1);
                                        auto tmp4 = at::vec::maximum(tmp2, tmp3);
                                        auto tmp6 = at::vec::maximum(tmp4, tmp5);
                                        tmp6.store(tmp7 + static_cast<int64_t>(16L*x2_inner));
                                    }
                                    transpose_mxn<float,static_cast<int64_t>(4L),static_cast<int64_t>(16),false>(tmp7, static_cast<int64_t>(16), out_ptr0 + static_cast<int64_t>(x2 + 4L*x1 + 16L*x3 + 512L*x0), static_cast<int64_t>(16L));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    inductor_cpu_integer_div_error_flag = nullptr;
    inductor_cpu_throw_if_integer_div_error(inductor_cpu_integer_div_error);
}

// ==== cpp_fused_relu_2 ====
#include <torch/csrc/inductor/cpp_prefix.h>
extern "C"  void  kernel(float* in_out_ptr0,
                       const int64_t ks0)
{
    std::atomic<int> inductor_cpu_integer_div_error{0};
    inductor_cpu_integer_div_error_flag = &inductor_cpu_integer_div_error;
    #pragma omp parallel
    {
        int tid = omp_get_thread_num();
        {
            #pragma omp for
            for(int64_t x0=static_cast<int64_t>(0L); x0<static_cast<int64_t>(64L*ks0); x0+=static_cast<int64_t>(16L))
            {
                {
                    if(C10_LIKELY(x0 >= static_cast<int64_t>(0) && x0 < static_cast<int64_t>(64L*ks0)))
                    {
                        auto tmp0 = at::vec::Vectorized<float>::loadu(in_out_ptr0 + static_cast<int64_t>(x0), static_cast<int64_t>(16));
                        auto tmp1 = at::vec::clamp_min(tmp0, decltype(tmp0)(0));
                        tmp1.store(in_out_ptr0 + static_cast<int64_t>(x0));
                    }
                }
            }
        }
    }
    inductor_cpu_integer_div_error_flag = nullptr;
    inductor_cpu_throw_if_integer_div_error(inductor_cpu_integer_div_error);
}
